//! Fuzzes the input reader and the validator together: any bytes, as a file would hold
//! them, must give objects or an error, never a panic or a hang.
#![no_main]

use dijkwacht_stix::input::{InputLimits, read_objects};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sink = |_: usize, object: serde_json::Value| -> Result<(), String> {
        let _ = dijkwacht_stix::validate_object(&object);
        Ok(())
    };
    let _ = read_objects(data, InputLimits { max_object_bytes: 1 << 20 }, &mut sink);
});
