namespace AotSandbox.Bench.E2E;

/// <summary>Percentiles of a set of samples (nearest-rank on the sorted samples).</summary>
internal sealed class Samples
{
    private readonly List<double> _values = [];

    public int Count => _values.Count;

    public void Add(double value) => _values.Add(value);

    public void Add(TimeSpan value) => _values.Add(value.TotalMilliseconds);

    public double P50 => Percentile(0.50);

    public double P90 => Percentile(0.90);

    public double Percentile(double p)
    {
        if (_values.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. _values.Order()];
        int rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
