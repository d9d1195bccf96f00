//! The chain holds for untouched logs and breaks, at the right line, for every kind of
//! tampering: a changed entry, a removed one, reordered ones, a forged hash, a cut file.

use dijkwacht_audit::{AuditError, AuditLog, verify};
use serde_json::{Map, Value, json};

fn details(number: u64) -> Map<String, Value> {
    json!({"objects": number})
        .as_object()
        .cloned()
        .unwrap_or_default()
}

fn log_with_five_entries() -> (tempfile::TempDir, std::path::PathBuf) {
    let folder = tempfile::tempdir().expect("a folder");
    let path = folder.path().join("audit.log");
    let log = AuditLog::open(&path).expect("a new log");
    for number in 1..=5 {
        log.append(
            "operator",
            "import",
            Some(&format!("feed-{number}.json")),
            details(number),
        )
        .expect("appended");
    }
    (folder, path)
}

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("readable")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &std::path::Path, lines: &[String]) {
    std::fs::write(
        path,
        lines
            .iter()
            .map(|line| format!("{line}\n"))
            .collect::<String>(),
    )
    .expect("writable");
}

#[test]
fn an_untouched_log_verifies_and_reopens_where_it_ended() {
    let (_folder, path) = log_with_five_entries();
    let verification = verify(&path).expect("verified");
    assert_eq!(verification.intact_entries, 5);
    assert_eq!(verification.broken, None);
    let log = AuditLog::open(&path).expect("reopened");
    let entry = log
        .append("operator", "export", None, Map::new())
        .expect("appended");
    assert_eq!(entry.sequence, 6);
    assert_eq!(entry.previous, verification.last_hash);
    assert_eq!(verify(&path).expect("verified").intact_entries, 6);
}

#[test]
fn a_changed_entry_breaks_the_chain_at_its_line() {
    let (_folder, path) = log_with_five_entries();
    let mut all = lines(&path);
    all[2] = all[2].replace("\"objects\":3", "\"objects\":30");
    write_lines(&path, &all);
    let broken = verify(&path).expect("verified").broken.expect("broken");
    assert_eq!(broken.line, 3);
    assert!(broken.reason.contains("was changed"), "{}", broken.reason);
}

#[test]
fn a_removed_entry_breaks_the_chain() {
    let (_folder, path) = log_with_five_entries();
    let mut all = lines(&path);
    all.remove(1);
    write_lines(&path, &all);
    let broken = verify(&path).expect("verified").broken.expect("broken");
    assert_eq!(broken.line, 2);
    assert!(
        broken.reason.contains("removed or reordered"),
        "{}",
        broken.reason
    );
}

#[test]
fn reordered_entries_break_the_chain() {
    let (_folder, path) = log_with_five_entries();
    let mut all = lines(&path);
    all.swap(3, 4);
    write_lines(&path, &all);
    assert_eq!(
        verify(&path)
            .expect("verified")
            .broken
            .map(|broken| broken.line),
        Some(4)
    );
}

#[test]
fn a_rehashed_forgery_still_breaks_the_next_link() {
    let (_folder, path) = log_with_five_entries();
    let mut all = lines(&path);
    let mut entry: dijkwacht_audit::AuditEntry = serde_json::from_str(&all[1]).expect("an entry");
    entry.actor = "someone-else".to_owned();
    entry.hash = entry.compute_hash();
    all[1] = serde_json::to_string(&entry).expect("serialised");
    write_lines(&path, &all);
    let broken = verify(&path).expect("verified").broken.expect("broken");
    assert_eq!(
        broken.line, 3,
        "the entry after the forgery no longer points at it"
    );
}

#[test]
fn a_cut_file_and_garbage_are_reported_and_refused_for_appending() {
    let (_folder, path) = log_with_five_entries();
    let text = std::fs::read_to_string(&path).expect("readable");
    std::fs::write(&path, &text[..text.len() - 10]).expect("writable");
    let broken = verify(&path).expect("verified").broken.expect("broken");
    assert_eq!(broken.line, 5);
    assert!(broken.reason.contains("incomplete"), "{}", broken.reason);
    assert!(matches!(
        AuditLog::open(&path),
        Err(AuditError::Broken { .. })
    ));
    std::fs::write(&path, "not json\n").expect("writable");
    assert_eq!(
        verify(&path)
            .expect("verified")
            .broken
            .map(|broken| broken.line),
        Some(1)
    );
}
