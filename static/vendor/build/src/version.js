/** The wire format version (docs/protocol.md §1): the "v" of every file, leaf and payload. */
export const WIRE_VERSION = 2;

/** The same, as the "v2" in every domain tag. */
export const WIRE_FORMAT = `v${WIRE_VERSION}`;
