//! Every STIX 2.1 object type with the properties it adds to its category's common ones
//! (§4 SDOs, §5 SROs, §6 SCOs, §7 meta objects).

use super::vocab::*;
use super::{ExtensionSpec, Kind, PropertySpec, Target, TypeSpec, optional, required};
use crate::object::ObjectCategory::{Domain, Meta, Observable, Relationship};

const fn types(names: &'static [&'static str]) -> Target {
    Target::Types(names)
}

const NON_NEGATIVE: Kind = Kind::Integer {
    min: 0,
    max: 9_007_199_254_740_991,
};
const ANY_INTEGER: Kind = Kind::Integer {
    min: -9_007_199_254_740_991,
    max: 9_007_199_254_740_991,
};
const PORT: Kind = Kind::Integer {
    min: 0,
    max: 65_535,
};
const SOFTWARE: Target = types(&["software"]);
const ADDRESS: Target = types(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);

const NAME: PropertySpec = required("name", Kind::String);
const DESCRIPTION: PropertySpec = optional("description", Kind::String);

pub(super) const ALL: &[TypeSpec] = &[
    // §4 SDOs
    sdo(
        "attack-pattern",
        &[
            NAME,
            DESCRIPTION,
            optional("aliases", Kind::StringList),
            optional("kill_chain_phases", Kind::KillChainPhases),
        ],
    ),
    sdo(
        "campaign",
        &[
            NAME,
            DESCRIPTION,
            optional("aliases", Kind::StringList),
            optional("first_seen", Kind::Timestamp),
            optional("last_seen", Kind::Timestamp),
            optional("objective", Kind::String),
        ],
    ),
    sdo("course-of-action", &[NAME, DESCRIPTION]),
    sdo(
        "grouping",
        &[
            optional("name", Kind::String),
            optional("description", Kind::String),
            required("context", Kind::OpenVocab(GROUPING_CONTEXT)),
            required("object_refs", Kind::Refs(Target::AnyObject)),
        ],
    ),
    sdo(
        "identity",
        &[
            NAME,
            DESCRIPTION,
            optional("roles", Kind::StringList),
            optional("identity_class", Kind::OpenVocab(IDENTITY_CLASS)),
            optional("sectors", Kind::OpenVocabList(INDUSTRY_SECTOR)),
            optional("contact_information", Kind::String),
        ],
    ),
    sdo(
        "incident",
        &[
            NAME,
            DESCRIPTION,
            optional("kill_chain_phases", Kind::KillChainPhases),
        ],
    ),
    sdo(
        "indicator",
        &[
            optional("name", Kind::String),
            optional("description", Kind::String),
            optional("indicator_types", Kind::OpenVocabList(INDICATOR_TYPE)),
            required("pattern", Kind::String),
            required("pattern_type", Kind::OpenVocab(PATTERN_TYPE)),
            optional("pattern_version", Kind::String),
            required("valid_from", Kind::Timestamp),
            optional("valid_until", Kind::Timestamp),
            optional("kill_chain_phases", Kind::KillChainPhases),
        ],
    ),
    sdo(
        "infrastructure",
        &[
            NAME,
            DESCRIPTION,
            optional(
                "infrastructure_types",
                Kind::OpenVocabList(INFRASTRUCTURE_TYPE),
            ),
            optional("aliases", Kind::StringList),
            optional("kill_chain_phases", Kind::KillChainPhases),
            optional("first_seen", Kind::Timestamp),
            optional("last_seen", Kind::Timestamp),
        ],
    ),
    sdo(
        "intrusion-set",
        &[
            NAME,
            DESCRIPTION,
            optional("aliases", Kind::StringList),
            optional("first_seen", Kind::Timestamp),
            optional("last_seen", Kind::Timestamp),
            optional("goals", Kind::StringList),
            optional("resource_level", Kind::OpenVocab(ATTACK_RESOURCE_LEVEL)),
            optional("primary_motivation", Kind::OpenVocab(ATTACK_MOTIVATION)),
            optional(
                "secondary_motivations",
                Kind::OpenVocabList(ATTACK_MOTIVATION),
            ),
        ],
    ),
    sdo(
        "location",
        &[
            optional("name", Kind::String),
            optional("description", Kind::String),
            optional(
                "latitude",
                Kind::Float {
                    min: -90.0,
                    max: 90.0,
                },
            ),
            optional(
                "longitude",
                Kind::Float {
                    min: -180.0,
                    max: 180.0,
                },
            ),
            optional(
                "precision",
                Kind::Float {
                    min: 0.0,
                    max: f64::MAX,
                },
            ),
            optional("region", Kind::OpenVocab(REGION)),
            optional("country", Kind::String),
            optional("administrative_area", Kind::String),
            optional("city", Kind::String),
            optional("street_address", Kind::String),
            optional("postal_code", Kind::String),
        ],
    ),
    sdo(
        "malware",
        &[
            optional("name", Kind::String),
            optional("description", Kind::String),
            optional("malware_types", Kind::OpenVocabList(MALWARE_TYPE)),
            required("is_family", Kind::Boolean),
            optional("aliases", Kind::StringList),
            optional("kill_chain_phases", Kind::KillChainPhases),
            optional("first_seen", Kind::Timestamp),
            optional("last_seen", Kind::Timestamp),
            optional("operating_system_refs", Kind::Refs(SOFTWARE)),
            optional(
                "architecture_execution_envs",
                Kind::OpenVocabList(PROCESSOR_ARCHITECTURE),
            ),
            optional(
                "implementation_languages",
                Kind::OpenVocabList(IMPLEMENTATION_LANGUAGE),
            ),
            optional("capabilities", Kind::OpenVocabList(MALWARE_CAPABILITIES)),
            optional("sample_refs", Kind::Refs(types(&["file", "artifact"]))),
        ],
    ),
    sdo(
        "malware-analysis",
        &[
            required("product", Kind::String),
            optional("version", Kind::String),
            optional("host_vm_ref", Kind::Ref(SOFTWARE)),
            optional("operating_system_ref", Kind::Ref(SOFTWARE)),
            optional("installed_software_refs", Kind::Refs(SOFTWARE)),
            optional("configuration_version", Kind::String),
            optional("modules", Kind::StringList),
            optional("analysis_engine_version", Kind::String),
            optional("analysis_definition_version", Kind::String),
            optional("submitted", Kind::Timestamp),
            optional("analysis_started", Kind::Timestamp),
            optional("analysis_ended", Kind::Timestamp),
            optional("result_name", Kind::String),
            optional("result", Kind::OpenVocab(MALWARE_RESULT)),
            optional("analysis_sco_refs", Kind::Refs(Target::Observable)),
            optional(
                "sample_ref",
                Kind::Ref(types(&["file", "artifact", "network-traffic"])),
            ),
        ],
    ),
    sdo(
        "note",
        &[
            optional("abstract", Kind::String),
            required("content", Kind::String),
            optional("authors", Kind::StringList),
            required("object_refs", Kind::Refs(Target::AnyObject)),
        ],
    ),
    sdo(
        "observed-data",
        &[
            required("first_observed", Kind::Timestamp),
            required("last_observed", Kind::Timestamp),
            required(
                "number_observed",
                Kind::Integer {
                    min: 1,
                    max: 999_999_999,
                },
            ),
            optional("objects", Kind::Dictionary),
            optional("object_refs", Kind::Refs(Target::ObservableOrRelationship)),
        ],
    ),
    sdo(
        "opinion",
        &[
            optional("explanation", Kind::String),
            optional("authors", Kind::StringList),
            required("opinion", Kind::Enum(OPINION)),
            required("object_refs", Kind::Refs(Target::AnyObject)),
        ],
    ),
    sdo(
        "report",
        &[
            NAME,
            DESCRIPTION,
            optional("report_types", Kind::OpenVocabList(REPORT_TYPE)),
            required("published", Kind::Timestamp),
            required("object_refs", Kind::Refs(Target::AnyObject)),
        ],
    ),
    sdo(
        "threat-actor",
        &[
            NAME,
            DESCRIPTION,
            optional("threat_actor_types", Kind::OpenVocabList(THREAT_ACTOR_TYPE)),
            optional("aliases", Kind::StringList),
            optional("first_seen", Kind::Timestamp),
            optional("last_seen", Kind::Timestamp),
            optional("roles", Kind::OpenVocabList(THREAT_ACTOR_ROLE)),
            optional("goals", Kind::StringList),
            optional(
                "sophistication",
                Kind::OpenVocab(THREAT_ACTOR_SOPHISTICATION),
            ),
            optional("resource_level", Kind::OpenVocab(ATTACK_RESOURCE_LEVEL)),
            optional("primary_motivation", Kind::OpenVocab(ATTACK_MOTIVATION)),
            optional(
                "secondary_motivations",
                Kind::OpenVocabList(ATTACK_MOTIVATION),
            ),
            optional(
                "personal_motivations",
                Kind::OpenVocabList(ATTACK_MOTIVATION),
            ),
        ],
    ),
    sdo(
        "tool",
        &[
            NAME,
            DESCRIPTION,
            optional("tool_types", Kind::OpenVocabList(TOOL_TYPE)),
            optional("aliases", Kind::StringList),
            optional("kill_chain_phases", Kind::KillChainPhases),
            optional("tool_version", Kind::String),
        ],
    ),
    sdo("vulnerability", &[NAME, DESCRIPTION]),
    // §5 SROs
    TypeSpec {
        name: "relationship",
        category: Relationship,
        properties: &[
            required("relationship_type", Kind::String),
            optional("description", Kind::String),
            required("source_ref", Kind::Ref(Target::DomainOrObservable)),
            required("target_ref", Kind::Ref(Target::DomainOrObservable)),
            optional("start_time", Kind::Timestamp),
            optional("stop_time", Kind::Timestamp),
        ],
        id_contributing: &[],
        extensions: &[],
    },
    TypeSpec {
        name: "sighting",
        category: Relationship,
        properties: &[
            optional("description", Kind::String),
            optional("first_seen", Kind::Timestamp),
            optional("last_seen", Kind::Timestamp),
            optional(
                "count",
                Kind::Integer {
                    min: 0,
                    max: 999_999_999,
                },
            ),
            required("sighting_of_ref", Kind::Ref(Target::Domain)),
            optional("observed_data_refs", Kind::Refs(types(&["observed-data"]))),
            optional(
                "where_sighted_refs",
                Kind::Refs(types(&["identity", "location"])),
            ),
            optional("summary", Kind::Boolean),
        ],
        id_contributing: &[],
        extensions: &[],
    },
    // §6 SCOs
    sco(
        "artifact",
        &["hashes", "payload_bin"],
        &[
            optional("mime_type", Kind::String),
            optional("payload_bin", Kind::Binary),
            optional("url", Kind::String),
            optional("hashes", Kind::Hashes),
            optional("encryption_algorithm", Kind::Enum(ENCRYPTION_ALGORITHM)),
            optional("decryption_key", Kind::String),
        ],
        &[],
    ),
    sco(
        "autonomous-system",
        &["number"],
        &[
            required("number", NON_NEGATIVE),
            optional("name", Kind::String),
            optional("rir", Kind::String),
        ],
        &[],
    ),
    sco(
        "directory",
        &["path"],
        &[
            required("path", Kind::String),
            optional("path_enc", Kind::String),
            optional("ctime", Kind::Timestamp),
            optional("mtime", Kind::Timestamp),
            optional("atime", Kind::Timestamp),
            optional("contains_refs", Kind::Refs(types(&["file", "directory"]))),
        ],
        &[],
    ),
    sco(
        "domain-name",
        &["value"],
        &[
            required("value", Kind::String),
            optional(
                "resolves_to_refs",
                Kind::Refs(types(&["ipv4-addr", "ipv6-addr", "domain-name"])),
            ),
        ],
        &[],
    ),
    sco(
        "email-addr",
        &["value"],
        &[
            required("value", Kind::String),
            optional("display_name", Kind::String),
            optional("belongs_to_ref", Kind::Ref(types(&["user-account"]))),
        ],
        &[],
    ),
    sco(
        "email-message",
        &["from_ref", "subject", "body"],
        &[
            required("is_multipart", Kind::Boolean),
            optional("date", Kind::Timestamp),
            optional("content_type", Kind::String),
            optional("from_ref", Kind::Ref(types(&["email-addr"]))),
            optional("sender_ref", Kind::Ref(types(&["email-addr"]))),
            optional("to_refs", Kind::Refs(types(&["email-addr"]))),
            optional("cc_refs", Kind::Refs(types(&["email-addr"]))),
            optional("bcc_refs", Kind::Refs(types(&["email-addr"]))),
            optional("message_id", Kind::String),
            optional("subject", Kind::String),
            optional("received_lines", Kind::StringList),
            optional("additional_header_fields", Kind::Dictionary),
            optional("body", Kind::String),
            optional(
                "body_multipart",
                Kind::ObjectList(&[
                    optional("body", Kind::String),
                    optional("body_raw_ref", Kind::Ref(types(&["artifact", "file"]))),
                    optional("content_type", Kind::String),
                    optional("content_disposition", Kind::String),
                ]),
            ),
            optional("raw_email_ref", Kind::Ref(types(&["artifact"]))),
        ],
        &[],
    ),
    sco(
        "file",
        &["hashes", "name", "extensions", "parent_directory_ref"],
        &[
            optional("hashes", Kind::Hashes),
            optional("size", NON_NEGATIVE),
            optional("name", Kind::String),
            optional("name_enc", Kind::String),
            optional("magic_number_hex", Kind::Hex),
            optional("mime_type", Kind::String),
            optional("ctime", Kind::Timestamp),
            optional("mtime", Kind::Timestamp),
            optional("atime", Kind::Timestamp),
            optional("parent_directory_ref", Kind::Ref(types(&["directory"]))),
            optional("contains_refs", Kind::Refs(Target::Observable)),
            optional("content_ref", Kind::Ref(types(&["artifact"]))),
        ],
        FILE_EXTENSIONS,
    ),
    sco(
        "ipv4-addr",
        &["value"],
        &[
            required("value", Kind::String),
            optional("resolves_to_refs", Kind::Refs(types(&["mac-addr"]))),
            optional("belongs_to_refs", Kind::Refs(types(&["autonomous-system"]))),
        ],
        &[],
    ),
    sco(
        "ipv6-addr",
        &["value"],
        &[
            required("value", Kind::String),
            optional("resolves_to_refs", Kind::Refs(types(&["mac-addr"]))),
            optional("belongs_to_refs", Kind::Refs(types(&["autonomous-system"]))),
        ],
        &[],
    ),
    sco(
        "mac-addr",
        &["value"],
        &[required("value", Kind::String)],
        &[],
    ),
    sco("mutex", &["name"], &[required("name", Kind::String)], &[]),
    sco(
        "network-traffic",
        &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        &[
            optional("start", Kind::Timestamp),
            optional("end", Kind::Timestamp),
            optional("is_active", Kind::Boolean),
            optional("src_ref", Kind::Ref(ADDRESS)),
            optional("dst_ref", Kind::Ref(ADDRESS)),
            optional("src_port", PORT),
            optional("dst_port", PORT),
            required("protocols", Kind::StringList),
            optional("src_byte_count", NON_NEGATIVE),
            optional("dst_byte_count", NON_NEGATIVE),
            optional("src_packets", NON_NEGATIVE),
            optional("dst_packets", NON_NEGATIVE),
            optional("ipfix", Kind::Dictionary),
            optional("src_payload_ref", Kind::Ref(types(&["artifact"]))),
            optional("dst_payload_ref", Kind::Ref(types(&["artifact"]))),
            optional("encapsulates_refs", Kind::Refs(types(&["network-traffic"]))),
            optional(
                "encapsulated_by_ref",
                Kind::Ref(types(&["network-traffic"])),
            ),
        ],
        NETWORK_TRAFFIC_EXTENSIONS,
    ),
    sco(
        "process",
        &[],
        &[
            optional("is_hidden", Kind::Boolean),
            optional("pid", ANY_INTEGER),
            optional("created_time", Kind::Timestamp),
            optional("cwd", Kind::String),
            optional("command_line", Kind::String),
            optional("environment_variables", Kind::Dictionary),
            optional(
                "opened_connection_refs",
                Kind::Refs(types(&["network-traffic"])),
            ),
            optional("creator_user_ref", Kind::Ref(types(&["user-account"]))),
            optional("image_ref", Kind::Ref(types(&["file"]))),
            optional("parent_ref", Kind::Ref(types(&["process"]))),
            optional("child_refs", Kind::Refs(types(&["process"]))),
        ],
        PROCESS_EXTENSIONS,
    ),
    sco(
        "software",
        &["name", "cpe", "swid", "vendor", "version"],
        &[
            required("name", Kind::String),
            optional("cpe", Kind::String),
            optional("swid", Kind::String),
            optional("languages", Kind::StringList),
            optional("vendor", Kind::String),
            optional("version", Kind::String),
        ],
        &[],
    ),
    sco("url", &["value"], &[required("value", Kind::String)], &[]),
    sco(
        "user-account",
        &["account_type", "user_id", "account_login"],
        &[
            optional("user_id", Kind::String),
            optional("credential", Kind::String),
            optional("account_login", Kind::String),
            optional("account_type", Kind::OpenVocab(ACCOUNT_TYPE)),
            optional("display_name", Kind::String),
            optional("is_service_account", Kind::Boolean),
            optional("is_privileged", Kind::Boolean),
            optional("can_escalate_privs", Kind::Boolean),
            optional("is_disabled", Kind::Boolean),
            optional("account_created", Kind::Timestamp),
            optional("account_expires", Kind::Timestamp),
            optional("credential_last_changed", Kind::Timestamp),
            optional("account_first_login", Kind::Timestamp),
            optional("account_last_login", Kind::Timestamp),
        ],
        &[ExtensionSpec {
            name: "unix-account-ext",
            properties: &[
                optional("gid", ANY_INTEGER),
                optional("groups", Kind::StringList),
                optional("home_dir", Kind::String),
                optional("shell", Kind::String),
            ],
        }],
    ),
    sco(
        "windows-registry-key",
        &["key", "values"],
        &[
            optional("key", Kind::String),
            optional(
                "values",
                Kind::ObjectList(&[
                    optional("name", Kind::String),
                    optional("data", Kind::String),
                    optional("data_type", Kind::Enum(WINDOWS_REGISTRY_DATATYPE)),
                ]),
            ),
            optional("modified_time", Kind::Timestamp),
            optional("creator_user_ref", Kind::Ref(types(&["user-account"]))),
            optional("number_of_subkeys", NON_NEGATIVE),
        ],
        &[],
    ),
    sco(
        "x509-certificate",
        &["hashes", "serial_number"],
        &[
            optional("is_self_signed", Kind::Boolean),
            optional("hashes", Kind::Hashes),
            optional("version", Kind::String),
            optional("serial_number", Kind::String),
            optional("signature_algorithm", Kind::String),
            optional("issuer", Kind::String),
            optional("validity_not_before", Kind::Timestamp),
            optional("validity_not_after", Kind::Timestamp),
            optional("subject", Kind::String),
            optional("subject_public_key_algorithm", Kind::String),
            optional("subject_public_key_modulus", Kind::String),
            optional("subject_public_key_exponent", NON_NEGATIVE),
            optional(
                "x509_v3_extensions",
                Kind::Object(&[
                    optional("basic_constraints", Kind::String),
                    optional("name_constraints", Kind::String),
                    optional("policy_constraints", Kind::String),
                    optional("key_usage", Kind::String),
                    optional("extended_key_usage", Kind::String),
                    optional("subject_key_identifier", Kind::String),
                    optional("authority_key_identifier", Kind::String),
                    optional("subject_alternative_name", Kind::String),
                    optional("issuer_alternative_name", Kind::String),
                    optional("subject_directory_attributes", Kind::String),
                    optional("crl_distribution_points", Kind::String),
                    optional("inhibit_any_policy", Kind::String),
                    optional("private_key_usage_period_not_before", Kind::Timestamp),
                    optional("private_key_usage_period_not_after", Kind::Timestamp),
                    optional("certificate_policies", Kind::String),
                    optional("policy_mappings", Kind::String),
                ]),
            ),
        ],
        &[],
    ),
    // §7 meta objects
    TypeSpec {
        name: "marking-definition",
        category: Meta,
        properties: &[
            required("spec_version", Kind::String),
            optional("created_by_ref", Kind::Ref(types(&["identity"]))),
            required("created", Kind::Timestamp),
            optional("external_references", Kind::ExternalReferences),
            optional(
                "object_marking_refs",
                Kind::Refs(types(&["marking-definition"])),
            ),
            optional("granular_markings", Kind::GranularMarkings),
            optional("extensions", Kind::Extensions),
            optional("name", Kind::String),
            optional("definition_type", Kind::String),
            optional("definition", Kind::Any),
        ],
        id_contributing: &[],
        extensions: &[],
    },
    TypeSpec {
        name: "language-content",
        category: Meta,
        properties: &[
            required("spec_version", Kind::String),
            optional("created_by_ref", Kind::Ref(types(&["identity"]))),
            required("created", Kind::Timestamp),
            required("modified", Kind::Timestamp),
            optional("revoked", Kind::Boolean),
            optional("labels", Kind::StringList),
            optional("confidence", Kind::Integer { min: 0, max: 100 }),
            optional("external_references", Kind::ExternalReferences),
            optional(
                "object_marking_refs",
                Kind::Refs(types(&["marking-definition"])),
            ),
            optional("granular_markings", Kind::GranularMarkings),
            optional("extensions", Kind::Extensions),
            required("object_ref", Kind::Ref(Target::AnyObject)),
            optional("object_modified", Kind::Timestamp),
            required("contents", Kind::Dictionary),
        ],
        id_contributing: &[],
        extensions: &[],
    },
    TypeSpec {
        name: "extension-definition",
        category: Meta,
        properties: &[
            required("spec_version", Kind::String),
            required("created_by_ref", Kind::Ref(types(&["identity"]))),
            required("created", Kind::Timestamp),
            required("modified", Kind::Timestamp),
            optional("revoked", Kind::Boolean),
            optional("labels", Kind::StringList),
            optional("external_references", Kind::ExternalReferences),
            optional(
                "object_marking_refs",
                Kind::Refs(types(&["marking-definition"])),
            ),
            optional("granular_markings", Kind::GranularMarkings),
            required("name", Kind::String),
            optional("description", Kind::String),
            required("schema", Kind::String),
            required("version", Kind::String),
            required("extension_types", Kind::EnumList(EXTENSION_TYPE)),
            optional("extension_properties", Kind::StringList),
        ],
        id_contributing: &[],
        extensions: &[],
    },
];

const fn sdo(name: &'static str, properties: &'static [PropertySpec]) -> TypeSpec {
    TypeSpec {
        name,
        category: Domain,
        properties,
        id_contributing: &[],
        extensions: &[],
    }
}

const fn sco(
    name: &'static str,
    id_contributing: &'static [&'static str],
    properties: &'static [PropertySpec],
    extensions: &'static [ExtensionSpec],
) -> TypeSpec {
    TypeSpec {
        name,
        category: Observable,
        properties,
        id_contributing,
        extensions,
    }
}

const FILE_EXTENSIONS: &[ExtensionSpec] = &[
    ExtensionSpec {
        name: "archive-ext",
        properties: &[
            required("contains_refs", Kind::Refs(types(&["file", "directory"]))),
            optional("comment", Kind::String),
        ],
    },
    ExtensionSpec {
        name: "ntfs-ext",
        properties: &[
            optional("sid", Kind::String),
            optional(
                "alternate_data_streams",
                Kind::ObjectList(&[
                    required("name", Kind::String),
                    optional("hashes", Kind::Hashes),
                    optional("size", NON_NEGATIVE),
                ]),
            ),
        ],
    },
    ExtensionSpec {
        name: "pdf-ext",
        properties: &[
            optional("version", Kind::String),
            optional("is_optimized", Kind::Boolean),
            optional("document_info_dict", Kind::Dictionary),
            optional("pdfid0", Kind::String),
            optional("pdfid1", Kind::String),
        ],
    },
    ExtensionSpec {
        name: "raster-image-ext",
        properties: &[
            optional("image_height", ANY_INTEGER),
            optional("image_width", ANY_INTEGER),
            optional("bits_per_pixel", ANY_INTEGER),
            optional("exif_tags", Kind::Dictionary),
        ],
    },
    ExtensionSpec {
        name: "windows-pebinary-ext",
        properties: &[
            required("pe_type", Kind::OpenVocab(WINDOWS_PEBINARY_TYPE)),
            optional("imphash", Kind::String),
            optional("machine_hex", Kind::Hex),
            optional("number_of_sections", NON_NEGATIVE),
            optional("time_date_stamp", Kind::Timestamp),
            optional("pointer_to_symbol_table_hex", Kind::Hex),
            optional("number_of_symbols", NON_NEGATIVE),
            optional("size_of_optional_header", NON_NEGATIVE),
            optional("characteristics_hex", Kind::Hex),
            optional("file_header_hashes", Kind::Hashes),
            optional("optional_header", Kind::Dictionary),
            optional(
                "sections",
                Kind::ObjectList(&[
                    required("name", Kind::String),
                    optional("size", NON_NEGATIVE),
                    optional(
                        "entropy",
                        Kind::Float {
                            min: f64::MIN,
                            max: f64::MAX,
                        },
                    ),
                    optional("hashes", Kind::Hashes),
                ]),
            ),
        ],
    },
];

const NETWORK_TRAFFIC_EXTENSIONS: &[ExtensionSpec] = &[
    ExtensionSpec {
        name: "http-request-ext",
        properties: &[
            required("request_method", Kind::String),
            required("request_value", Kind::String),
            optional("request_version", Kind::String),
            optional("request_header", Kind::Dictionary),
            optional("message_body_length", NON_NEGATIVE),
            optional("message_body_data_ref", Kind::Ref(types(&["artifact"]))),
        ],
    },
    ExtensionSpec {
        name: "icmp-ext",
        properties: &[
            required("icmp_type_hex", Kind::Hex),
            required("icmp_code_hex", Kind::Hex),
        ],
    },
    ExtensionSpec {
        name: "socket-ext",
        properties: &[
            required("address_family", Kind::Enum(NETWORK_SOCKET_ADDRESS_FAMILY)),
            optional("is_blocking", Kind::Boolean),
            optional("is_listening", Kind::Boolean),
            optional("options", Kind::Dictionary),
            optional("socket_type", Kind::Enum(NETWORK_SOCKET_TYPE)),
            optional("socket_descriptor", NON_NEGATIVE),
            optional("socket_handle", ANY_INTEGER),
        ],
    },
    ExtensionSpec {
        name: "tcp-ext",
        properties: &[
            optional("src_flags_hex", Kind::Hex),
            optional("dst_flags_hex", Kind::Hex),
        ],
    },
];

const PROCESS_EXTENSIONS: &[ExtensionSpec] = &[
    ExtensionSpec {
        name: "windows-process-ext",
        properties: &[
            optional("aslr_enabled", Kind::Boolean),
            optional("dep_enabled", Kind::Boolean),
            optional("priority", Kind::String),
            optional("owner_sid", Kind::String),
            optional("window_title", Kind::String),
            optional("startup_info", Kind::Dictionary),
            optional("integrity_level", Kind::Enum(WINDOWS_INTEGRITY_LEVEL)),
        ],
    },
    ExtensionSpec {
        name: "windows-service-ext",
        properties: &[
            optional("service_name", Kind::String),
            optional("descriptions", Kind::StringList),
            optional("display_name", Kind::String),
            optional("group_name", Kind::String),
            optional("start_type", Kind::Enum(WINDOWS_SERVICE_START_TYPE)),
            optional("service_dll_refs", Kind::Refs(types(&["file"]))),
            optional("service_type", Kind::Enum(WINDOWS_SERVICE_TYPE)),
            optional("service_status", Kind::Enum(WINDOWS_SERVICE_STATUS)),
        ],
    },
];
