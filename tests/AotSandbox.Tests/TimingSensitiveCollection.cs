namespace AotSandbox.Tests;

/// <summary>
/// Tests whose assertions are about wall-clock timing (keepalive intervals and deadlines). xunit runs a collection
/// that disables parallelization alone, after the parallel ones: on 2 cores the CsCheck property tests running
/// beside them starved the thread pool long enough (over 1.5 s) to make an answered ping look unanswered.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitiveCollection
{
    public const string Name = "Timing-sensitive (runs alone)";
}
