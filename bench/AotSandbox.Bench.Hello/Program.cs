using System.Diagnostics;
using System.Globalization;

// The monotonic clock (CLOCK_MONOTONIC, shared by all processes) when Main starts, so the harness can split the
// runtime's start-up from the rest.
Console.WriteLine("t main " + Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture));
Console.WriteLine("hello, world");
