namespace AotSandbox.Emulator;

/// <summary>
/// One namespace and the API key that may use it. A key only ever grants its own namespace, so two tenants
/// on one emulator cannot see each other's sandboxes.
/// </summary>
/// <param name="Namespace">The namespace segment of every REST and WebSocket path.</param>
/// <param name="ApiKey">The whole Runtime API key, <c>uuid:secret</c>, sent as HTTP Basic credentials.</param>
public sealed record EmulatorTenant(string Namespace, string ApiKey);
