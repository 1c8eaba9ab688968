using System.Text;

namespace AotSandbox.Native.Interop;

/// <summary>Reads C arguments: UTF-8 (pointer, length) pairs, checked, never trusted to be NUL-terminated.</summary>
internal static unsafe class Utf8Args
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A required string: NULL or invalid UTF-8 is an argument error; an empty string is allowed.</summary>
    public static string Required(byte* data, nuint length, string name)
    {
        if (data == null && length != 0)
        {
            throw NativeCallException.Argument(name + " is NULL");
        }

        return Decode(data, length, name);
    }

    /// <summary>A required string that must not be empty.</summary>
    public static string NonEmpty(byte* data, nuint length, string name)
    {
        string value = Required(data, length, name);
        return value.Length == 0 ? throw NativeCallException.Argument(name + " is empty") : value;
    }

    /// <summary>An optional string: NULL means absent.</summary>
    public static string? Optional(byte* data, nuint length, string name) => data == null ? null : Decode(data, length, name);

    public static ReadOnlySpan<byte> Bytes(byte* data, nuint length, string name)
    {
        if (data == null && length != 0)
        {
            throw NativeCallException.Argument(name + " is NULL with a non-zero length");
        }

        if (length > int.MaxValue)
        {
            throw NativeCallException.Argument(name + " is longer than 2 GiB");
        }

        return data == null ? default : new ReadOnlySpan<byte>(data, (int)length);
    }

    /// <summary>
    /// Optional bytes: NULL means absent (null), anything else a copy, even when empty. Written as an if on purpose:
    /// in <c>cond ? null : memory</c> the literal null converts through ReadOnlyMemory's implicit operator from
    /// <c>T[]?</c> into an empty, *present* value, and "no stdin" would become "stdin closed at once".
    /// </summary>
    public static ReadOnlyMemory<byte>? OptionalBytes(byte* data, nuint length, string name)
    {
        if (data == null)
        {
            return null;
        }

        return Bytes(data, length, name).ToArray();
    }

    private static string Decode(byte* data, nuint length, string name)
    {
        try
        {
            return Strict.GetString(Bytes(data, length, name));
        }
        catch (DecoderFallbackException)
        {
            throw NativeCallException.Argument(name + " is not valid UTF-8");
        }
    }
}
