//! A real SMTP server on 127.0.0.1 for the alert e-mail tests: PyPI's aiosmtpd run by
//! `tests/reference/smtp_receiver.py`, which saves every message it takes as JSON and
//! refuses `unknown…@` recipients with 550 and `busy…@` ones with 451. One file for two
//! test harnesses — the unit tests of `alerts::delivery::mail` and the CLI tests —,
//! each of which includes it with `#[path]` and finds the reference Python its own way.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// Whether `python` can import aiosmtpd.
pub fn has_aiosmtpd(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// A running `smtp_receiver.py` and the folder it saves messages in; ended on drop.
pub struct SmtpReceiver {
    child: Child,
    pub port: u16,
    folder: tempfile::TempDir,
}

impl SmtpReceiver {
    /// Starts the receiver with `python` on `port` (any free one when `None`: a test
    /// that took a server down brings it back on the same port).
    pub fn start(python: &Path, port: Option<u16>) -> SmtpReceiver {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/smtp_receiver.py");
        let folder = tempfile::tempdir().expect("a folder for the messages");
        let mut command = Command::new(python);
        command.arg(script).arg(folder.path());
        if let Some(port) = port {
            command.arg(port.to_string());
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the SMTP receiver starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the receiver says where it listens");
        let Some(port) = line
            .trim()
            .strip_prefix("listening 127.0.0.1 ")
            .and_then(|port| port.parse().ok())
        else {
            let _ = child.kill();
            panic!("the SMTP receiver did not start: {line:?}");
        };
        SmtpReceiver {
            child,
            port,
            folder,
        }
    }

    /// Every message taken so far, in order.
    pub fn messages(&self) -> Vec<Value> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.folder.path())
            .expect("the receiver's folder")
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| {
                path.extension()
                    .is_some_and(|extension| extension == "json")
            })
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| {
                let saved = std::fs::read_to_string(path).expect("a saved message");
                serde_json::from_str(&saved).expect("JSON from the receiver")
            })
            .collect()
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
