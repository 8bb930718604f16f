// The variables a stdio MCP server inherits, as the official MCP SDK chooses
// them. Its own module: the CLI's daemon command line needs the list without
// loading the MCP SDK.
export const MCP_INHERITED_ENV = ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "OSTYPE"];
