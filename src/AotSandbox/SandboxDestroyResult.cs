namespace AotSandbox;

/// <summary>What the service answered to <see cref="Sandbox.DestroyAsync"/>.</summary>
public sealed class SandboxDestroyResult
{
    internal SandboxDestroyResult(string sandboxId, string? status)
    {
        SandboxId = sandboxId;
        Status = status;
    }

    /// <summary>The destroyed sandbox's id.</summary>
    public string SandboxId { get; }

    /// <summary>The reported status, normally <c>destroyed</c>.</summary>
    public string? Status { get; }
}
