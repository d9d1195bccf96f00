//! TAXII 2.1: the pieces of the protocol that do not depend on routing, starting with
//! the query parameters every listing endpoint takes.

pub mod params;
