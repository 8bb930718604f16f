// The program's version. The daemon handshake compares it (SPEC §6).
export const VERSION = "0.1.0";
