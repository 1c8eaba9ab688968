using System.Diagnostics;
using System.Reflection;
using AotSandbox.Transport;

namespace AotSandbox.AllocTests;

/// <summary>
/// A fact that only means something when the SDK is compiled with optimizations: a Debug build turns every async
/// state machine into a class (one allocation per call, by design of the compiler), so "zero allocation" can only be
/// checked against Release. CI runs <c>dotnet test -c Release</c>; a Debug run reports these as skipped, with the reason.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OptimizedBuildFactAttribute : FactAttribute
{
    public OptimizedBuildFactAttribute()
    {
        DebuggableAttribute? debuggable = typeof(WebSocketClient).Assembly.GetCustomAttribute<DebuggableAttribute>();
        if (debuggable?.IsJITOptimizerDisabled == true)
        {
            Skip = "The SDK was built without optimizations (Debug): async state machines are classes there. Run with -c Release.";
        }
    }
}
