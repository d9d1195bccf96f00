//! `dijkwacht audit`: check the hash chain of the audit log, or show its last entries.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;

use crate::commands::problems_found;
use crate::data_dir::DataDir;

pub fn verify(data: &DataDir) -> anyhow::Result<ExitCode> {
    let path = data.audit_path();
    let verification = dijkwacht_audit::verify(&path)?;
    match verification.broken {
        None => {
            println!(
                "{}: intact, {} entries",
                path.display(),
                verification.intact_entries
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(broken) => {
            println!(
                "{}: broken at line {}: {} ({} entries before it are intact)",
                path.display(),
                broken.line,
                broken.reason,
                verification.intact_entries
            );
            Ok(problems_found())
        }
    }
}

pub fn show(data: &DataDir, limit: usize) -> anyhow::Result<ExitCode> {
    let path = data.audit_path();
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            println!("{}: no entries yet", path.display());
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut last = std::collections::VecDeque::with_capacity(limit);
    for line in std::io::BufReader::new(file).lines() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if last.len() == limit {
            last.pop_front();
        }
        last.push_back(line);
    }
    for line in last {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
