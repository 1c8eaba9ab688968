// Placeholder entry point; the CLI is written on top of the SDK and the emulator.
return 0;
