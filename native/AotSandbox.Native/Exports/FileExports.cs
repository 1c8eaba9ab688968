using System.Runtime.InteropServices;
using AotSandbox.Native.Interop;
using AotSandbox.Native.Objects;

namespace AotSandbox.Native.Exports;

/// <summary>aotsb_file_*: write and read bytes, list a directory.</summary>
internal static unsafe class FileExports
{
    [UnmanagedCallersOnly(EntryPoint = "aotsb_file_write")]
    public static int Write(nint sandbox, byte* path, nuint pathLength, byte* data, nuint length, nint cancel, uint timeoutMs, nint* outError)
    {
        try
        {
            SandboxObject s = Handles.Get<SandboxObject>(sandbox, "sandbox");
            string p = Utf8Args.NonEmpty(path, pathLength, "path");
            ReadOnlyMemory<byte> bytes = Utf8Args.Bytes(data, length, "data").ToArray();
            Deadline.Run(token => s.Sandbox.WriteFileAsync(p, bytes, token), cancel, timeoutMs);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_file_read")]
    public static int Read(nint sandbox, byte* path, nuint pathLength, nint cancel, uint timeoutMs, byte** outData, nuint* outLength, nint* outError)
    {
        try
        {
            Out.Require(outData, "out_data");
            Out.Require(outLength, "out_len");
            SandboxObject s = Handles.Get<SandboxObject>(sandbox, "sandbox");
            string p = Utf8Args.NonEmpty(path, pathLength, "path");
            byte[] content = Deadline.Run(token => s.Sandbox.ReadFileBytesAsync(p, token), cancel, timeoutMs);

            // One byte more than the content so an empty file still gets a non-NULL buffer the caller can aotsb_free.
            byte* buffer = (byte*)NativeMemory.Alloc((nuint)content.Length + 1);
            content.CopyTo(new Span<byte>(buffer, content.Length));
            buffer[content.Length] = 0;
            *outData = buffer;
            *outLength = (nuint)content.Length;
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_file_list")]
    public static int List(nint sandbox, byte* path, nuint pathLength, nint cancel, uint timeoutMs, nint* outList, nint* outError)
    {
        try
        {
            Out.Require(outList, "out_list");
            SandboxObject s = Handles.Get<SandboxObject>(sandbox, "sandbox");
            string p = Utf8Args.NonEmpty(path, pathLength, "path");
            IReadOnlyList<FileEntry> entries = Deadline.Run(token => s.Sandbox.ListFilesAsync(p, token), cancel, timeoutMs);
            Out.Handle(outList, new FileListObject(entries));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_file_list_count")]
    public static int Count(nint list, nuint* outCount, nint* outError)
    {
        try
        {
            Out.Require(outCount, "out_count");
            *outCount = (nuint)Handles.Get<FileListObject>(list, "list").Entries.Count;
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_file_list_get")]
    public static int Entry(nint list, nuint index, AbiFileEntry* outEntry, nint* outError)
    {
        try
        {
            Out.Require(outEntry, "out_entry");
            FileListObject l = Handles.Get<FileListObject>(list, "list");
            if (index >= (nuint)l.Entries.Count)
            {
                throw NativeCallException.Argument("index is out of range");
            }

            int i = (int)index;
            FileEntry entry = l.Entries[i];
            *outEntry = new AbiFileEntry
            {
                Name = l.Names[i].Pointer,
                NameLength = (nuint)l.Names[i].Length,
                Type = l.Types[i].Pointer,
                TypeLength = (nuint)l.Types[i].Length,
                Size = entry.Size ?? -1,
                HasSize = entry.Size.HasValue ? 1 : 0,
                IsDirectory = entry.IsDirectory ? 1 : 0,
            };
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_file_list_free")]
    public static void ListFree(nint list) => LibraryExports.Release(list);
}
