//! TAXII 2.1: the pieces of the protocol that do not depend on routing — media-type
//! negotiation and the query parameters every listing endpoint takes.

pub mod media;
pub mod params;
