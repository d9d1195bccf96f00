//! `dijkwacht validate`: check files against STIX 2.1 without a store.

use std::process::ExitCode;

use dijkwacht_stix::diagnostic::Diagnostic;

use crate::cli::{OutputFormat, ValidateArgs};
use crate::commands::problems_found;
use crate::reading::{Purpose, ReadOutcome, expand_inputs, read_bytes, read_input};

#[derive(Debug, serde::Serialize)]
struct FileVerdict {
    input: String,
    objects: usize,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    unreadable: Option<String>,
    errors: Vec<Diagnostic>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<Diagnostic>,
}

pub fn run(options: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let sources = expand_inputs(&options.inputs)?;
    let mut verdicts = Vec::new();
    for source in &sources {
        let bytes = read_bytes(source)?;
        let verdict = match read_input(&bytes, Purpose::Validate, options.warnings, &mut || {}) {
            ReadOutcome::Unreadable(problem) => FileVerdict {
                input: source.label(),
                objects: 0,
                valid: false,
                unreadable: Some(problem),
                errors: Vec::new(),
                warnings: Vec::new(),
            },
            ReadOutcome::Read {
                intake, envelope, ..
            } => {
                let mut errors = envelope;
                for invalid in intake.invalid {
                    errors.extend(invalid.errors);
                }
                FileVerdict {
                    input: source.label(),
                    objects: intake.total,
                    valid: errors.is_empty(),
                    unreadable: None,
                    errors,
                    warnings: intake.warnings,
                }
            }
        };
        verdicts.push(verdict);
    }
    let all_valid = verdicts.iter().all(|verdict| verdict.valid);
    match options.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&verdicts)?),
        OutputFormat::Text => {
            for verdict in &verdicts {
                print_verdict(verdict);
            }
            let invalid = verdicts.iter().filter(|verdict| !verdict.valid).count();
            let objects: usize = verdicts.iter().map(|verdict| verdict.objects).sum();
            println!(
                "{} input(s), {objects} object(s): {} valid, {invalid} invalid",
                verdicts.len(),
                verdicts.len() - invalid
            );
        }
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        problems_found()
    })
}

fn print_verdict(verdict: &FileVerdict) {
    if let Some(problem) = &verdict.unreadable {
        println!("{}: unreadable: {problem}", verdict.input);
        return;
    }
    let status = if verdict.valid { "valid" } else { "invalid" };
    println!("{}: {status} ({} objects)", verdict.input, verdict.objects);
    for finding in verdict.errors.iter().chain(&verdict.warnings) {
        println!("  {finding}");
    }
}
