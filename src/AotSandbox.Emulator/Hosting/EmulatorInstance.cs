using System.Text.RegularExpressions;
using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator;

/// <summary>
/// Maps an instance name (<see cref="EmulatorOptions.InstanceName"/>) to the host resources its runtime owns, so that
/// emulators with different names never share (and never sweep) each other's sandboxes.
/// </summary>
internal static partial class EmulatorInstance
{
    /// <summary>UidBase of the unnamed default instance (uids 200001..201024).</summary>
    public const int DefaultUidBase = 200000;

    /// <summary>
    /// UidBase of named slot 1; slot n starts at <c>NamedUidBase + (n - 1) * 1024</c>, up to 464512 + 1024. Far from
    /// the default pool and from the ranges the test suites use (2600xx, 2700xx, 6xxxxx): the uid lock only detects
    /// an identical range, so ranges must not overlap by construction.
    /// </summary>
    public const int NamedUidBase = 400000;

    /// <summary>Uids per slot (the default pool size).</summary>
    public const int UidsPerSlot = 1024;

    /// <summary>Named instances hash onto slots 1..63; slot 0 belongs to the unnamed default instance.</summary>
    public const int NamedSlots = 63;

    /// <summary>Throws when <paramref name="name"/> is not 1-16 characters of [a-z0-9-].</summary>
    public static void Validate(string? name)
    {
        if (name is not null && !ValidName().IsMatch(name))
        {
            throw new ArgumentException($"InstanceName '{name}' is invalid: use 1-16 characters of a-z, 0-9 and '-'.");
        }
    }

    /// <summary>The runtime settings of an instance; <paramref name="stateDirectory"/> (when set) overrides the derived state root.</summary>
    public static BubblewrapRuntimeOptions RuntimeOptions(string? name, string? stateDirectory)
    {
        if (name is null)
        {
            return stateDirectory is null ? new BubblewrapRuntimeOptions() : new BubblewrapRuntimeOptions { StateRoot = stateDirectory };
        }

        return new BubblewrapRuntimeOptions
        {
            StateRoot = stateDirectory ?? "/run/aotsandbox-" + name,
            CgroupParent = "aotsandbox-" + name,
            // '_' cannot occur in a name, so no instance's prefix is a prefix of another's (nor of the default
            // "aotsb-"): the leftover sweep deletes every namespace that starts with its own prefix.
            NetnsPrefix = "aotsb_" + name + "_",
            UidBase = NamedUidBase + ((UidSlot(name) - 1) * UidsPerSlot),
            UidCount = UidsPerSlot,
        };
    }

    /// <summary>The uid slot (1..63) of a name: stable across runs, so a restarted instance sweeps its own leftovers.</summary>
    public static int UidSlot(string name)
    {
        uint hash = 2166136261; // FNV-1a: tiny, stable across processes (string.GetHashCode is randomized)
        foreach (char c in name)
        {
            hash = (hash ^ c) * 16777619;
        }

        return 1 + (int)(hash % NamedSlots);
    }

    [GeneratedRegex("^[a-z0-9-]{1,16}$")]
    private static partial Regex ValidName();
}
