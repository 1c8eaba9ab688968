namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// The most recent output frames of one detached exec, at most <see cref="MaxBytes"/> of frame bytes; older frames
/// are dropped and remembered as <see cref="Truncated"/>. Callers serialize access (the exec's dispatch gate).
/// </summary>
internal sealed class ReplayBuffer
{
    public const int MaxBytes = 1024 * 1024;

    private readonly Queue<byte[]> _frames = new();
    private long _bytes;

    public bool Truncated { get; private set; }

    public IEnumerable<byte[]> Frames => _frames;

    public void Add(byte[] frame)
    {
        _frames.Enqueue(frame);
        _bytes += frame.Length;
        while (_bytes > MaxBytes && _frames.Count > 0)
        {
            _bytes -= _frames.Dequeue().Length;
            Truncated = true;
        }
    }
}
