namespace AotSandbox.Protocol;

/// <summary>Server → client frame types the SDK understands; anything else is <see cref="Unknown"/> and gets dropped.</summary>
internal enum FrameType : byte
{
    Unknown,
    AuthOk,
    ExecOutput,
    ExecExit,
    ExecDetached,
    ExecInfo,
    FileContent,
    FileWriteResult,
    FileEntries,
    Error,
}
