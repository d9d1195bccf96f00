//! What one run of a source did, as `source run` prints it and `source status` keeps it.

use serde::{Deserialize, Serialize};

/// Problems kept per run; the rest are counted.
pub const MAX_PROBLEMS_KEPT: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// Documents fetched or read (files, pages, events), and of them unchanged (304).
    pub documents: u64,
    pub not_modified: u64,
    /// Objects the mappings made.
    pub objects: u64,
    pub new_objects: u64,
    pub new_versions: u64,
    pub duplicates: u64,
    /// Objects the store refused (invalid), and feed records that could not be mapped.
    pub rejected: u64,
    pub unmapped: u64,
    pub dropped_by_warning_list: u64,
    pub flagged_by_warning_list: u64,
    pub personal_data_removed: u64,
    /// Duplicates within the fetched data itself (the same object or pattern twice).
    pub merged: u64,
    /// Indicators held already from another source for the same audience: not stored
    /// again, counted as that source corroborating the held one.
    #[serde(default)]
    pub corroborated: u64,
    pub elapsed_ms: u64,
    /// Located problems, at most [`MAX_PROBLEMS_KEPT`]; `problem_count` counts all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    pub problem_count: u64,
    /// Why the run stopped early, if it did (what was stored before stays stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RunReport {
    pub fn problem(&mut self, problem: impl Into<String>) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS_KEPT {
            self.problems.push(problem.into());
        }
    }

    /// One line per figure, for the end of `source run`.
    pub fn summary_lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!(
                "fetched {} document(s) ({} unchanged), {} object(s)",
                self.documents, self.not_modified, self.objects
            ),
            format!(
                "new {}, updated {}, duplicates {}, merged {}, corroborating other sources {}",
                self.new_objects,
                self.new_versions,
                self.duplicates,
                self.merged,
                self.corroborated
            ),
            format!(
                "dropped by warning list {}, flagged {}, personal data removed {}",
                self.dropped_by_warning_list,
                self.flagged_by_warning_list,
                self.personal_data_removed
            ),
            format!(
                "errors: {} rejected, {} not mappable, {} problem(s)",
                self.rejected, self.unmapped, self.problem_count
            ),
        ];
        if let Some(error) = &self.error {
            lines.push(format!("stopped early: {error}"));
        }
        lines
    }
}
