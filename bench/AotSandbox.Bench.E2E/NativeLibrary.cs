namespace AotSandbox.Bench.E2E;

/// <summary>
/// libaotsandbox.so (the C ABI, built by another branch) is measured only once native/ exists in this tree; until
/// then the table says so plainly instead of inventing a row.
/// </summary>
internal static class NativeLibrary
{
    public static void Report(ResultTable table)
    {
        string native = Path.Combine(ChildProcesses.RepositoryRoot, "native");
        if (!Directory.Exists(native))
        {
            table.Add(new ResultRow(
                "libaotsandbox.so: size / first call / RSS",
                "TODO: native/ is not on this branch yet (being built on `cabi`)",
                "—", "—", "(reported)", "TODO"));
            return;
        }

        table.Add(new ResultRow(
            "libaotsandbox.so: size / first call / RSS",
            "TODO: native/ exists but this harness does not measure it yet",
            "—", "—", "(reported)", "TODO"));
    }
}
