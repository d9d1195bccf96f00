//! STIX 2.1 bundles, written while the objects are still being read: the bundle
//! header first, then each page of objects as the store returns it, then the end. A
//! bundle of millions of objects never has to sit in memory, and the command line and
//! the server write the same bytes.
//!
//! The stored JSON is copied as it is (it is canonical and was validated on the way
//! in), so custom properties and extensions travel untouched. An empty export is a
//! bundle without `objects`, because STIX lists must not be empty.

use std::io::Write;

use dijkwacht_store::StoredObject;

use crate::{ExportError, ExportReport};

/// Writes one bundle to `out`, page by page.
#[derive(Debug)]
pub struct BundleWriter<W: Write> {
    out: W,
    report: ExportReport,
}

impl<W: Write> BundleWriter<W> {
    /// Starts a bundle with a fresh random id.
    pub fn new(out: W) -> Result<BundleWriter<W>, ExportError> {
        BundleWriter::with_id(out, &format!("bundle--{}", uuid::Uuid::new_v4()))
    }

    /// Starts a bundle with the given id (`bundle--<uuid>`), for callers that must
    /// name it beforehand.
    pub fn with_id(mut out: W, bundle_id: &str) -> Result<BundleWriter<W>, ExportError> {
        let id_json = serde_json::Value::from(bundle_id).to_string();
        write!(out, "{{\"type\":\"bundle\",\"id\":{id_json}")?;
        Ok(BundleWriter {
            out,
            report: ExportReport::default(),
        })
    }

    /// Adds a page of objects; TLP:RED objects are skipped and counted.
    pub fn write_page(&mut self, objects: &[StoredObject]) -> Result<(), ExportError> {
        for object in objects {
            if !self.report.admit(object) {
                continue;
            }
            self.out.write_all(if self.report.objects_written == 0 {
                b",\"objects\":[\n"
            } else {
                b",\n"
            })?;
            self.out.write_all(object.json.as_bytes())?;
            self.report.wrote(object);
        }
        Ok(())
    }

    /// Closes the bundle and flushes the output.
    pub fn finish(mut self) -> Result<(W, ExportReport), ExportError> {
        self.out.write_all(if self.report.objects_written == 0 {
            b"}\n"
        } else {
            b"\n]}\n"
        })?;
        self.out.flush()?;
        Ok((self.out, self.report))
    }
}

/// Writes `objects` as one bundle: [`BundleWriter`] for callers that hold them all.
pub fn write_bundle<W: Write>(
    objects: &[StoredObject],
    out: W,
) -> Result<(W, ExportReport), ExportError> {
    let mut writer = BundleWriter::new(out)?;
    writer.write_page(objects)?;
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{indicator, stored, suffix};
    use dijkwacht_stix::tlp::TlpLevel;
    use serde_json::{Value, json};

    fn c2(prefix: &str, tlp: TlpLevel) -> StoredObject {
        stored(
            indicator(
                &suffix(prefix),
                "[ipv4-addr:value = '198.51.100.7']",
                json!({}),
            ),
            Some(tlp),
        )
    }

    #[test]
    fn bundle_holds_every_page_but_red() {
        let mut writer =
            BundleWriter::with_id(Vec::new(), "bundle--1c7f7b36-2a4b-4b8e-9a57-0b5b7c1d2e3f")
                .expect("writing to memory");
        writer
            .write_page(&[c2("0b", TlpLevel::Clear), c2("1b", TlpLevel::Red)])
            .expect("writing to memory");
        writer
            .write_page(&[c2("2b", TlpLevel::Amber)])
            .expect("writing to memory");
        let (bytes, report) = writer.finish().expect("writing to memory");
        let bundle: Value = serde_json::from_slice(&bytes).expect("the bundle is JSON");
        assert_eq!(bundle["type"], "bundle");
        assert_eq!(bundle["id"], "bundle--1c7f7b36-2a4b-4b8e-9a57-0b5b7c1d2e3f");
        let ids: Vec<&str> = bundle["objects"]
            .as_array()
            .map(|objects| {
                objects
                    .iter()
                    .filter_map(|object| object["id"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        let expected = [
            format!("indicator--{}", suffix("0b")),
            format!("indicator--{}", suffix("2b")),
        ];
        assert_eq!(ids, expected);
        assert_eq!(report.objects_seen, 3);
        assert_eq!(report.objects_written, 2);
        assert_eq!(report.skipped_for(crate::SkipReason::TlpRed), 1);
        assert_eq!(report.amber_or_stricter, [expected[1].clone()]);
    }

    #[test]
    fn empty_bundle_has_no_objects_list() {
        let (bytes, report) =
            write_bundle(&[c2("1b", TlpLevel::Red)], Vec::new()).expect("writing to memory");
        let bundle: Value = serde_json::from_slice(&bytes).expect("the bundle is JSON");
        assert!(bundle.get("objects").is_none(), "{bundle}");
        assert!(
            bundle["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("bundle--"))
        );
        assert_eq!(report.objects_written, 0);
        assert_eq!(report.skipped_for(crate::SkipReason::TlpRed), 1);
    }
}
