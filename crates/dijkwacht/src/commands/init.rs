//! `dijkwacht init`: create the data folder and an empty store.

use std::process::ExitCode;

use crate::data_dir::DataDir;

pub fn run(data: &DataDir) -> anyhow::Result<ExitCode> {
    let existed = data.store_path().exists();
    data.create()?;
    if existed {
        println!(
            "the store at {} is ready (it existed already)",
            data.store_path().display()
        );
    } else {
        println!("created the store at {}", data.store_path().display());
    }
    Ok(ExitCode::SUCCESS)
}
