using AotSandbox.Samples;

// Usage: aotsandbox-samples [all | quickstart | configuration | create | get | run | background | files | stdin | preview | policy]
// Credentials come from __OW_API_HOST, __OW_NAMESPACE and __OW_API_KEY (e.g. the lines `aotsandbox serve` prints).
string which = args.Length > 0 ? args[0] : "all";
return await SampleRunner.RunAsync(which).ConfigureAwait(false);
