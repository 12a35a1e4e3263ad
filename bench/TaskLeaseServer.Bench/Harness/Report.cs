using System.Globalization;
using System.Text;

namespace TaskLeaseServer.Bench.Harness;

/// <summary>One line of the table: a figure, and if it has a target, the target and whether it held.</summary>
public sealed record ReportRow(string Scenario, string Measure, string Value, string Target = "", bool? Passed = null);

/// <summary>The run's single markdown table. Targets are reported, never enforced by the exit code.</summary>
public sealed class Report
{
    private readonly List<ReportRow> _rows = [];

    public IReadOnlyList<ReportRow> Rows => _rows;

    public void Info(string scenario, string measure, string value) => Add(new ReportRow(scenario, measure, value));

    public void Check(string scenario, string measure, string value, string target, bool passed) =>
        Add(new ReportRow(scenario, measure, value, target, passed));

    private void Add(ReportRow row)
    {
        lock (_rows) _rows.Add(row);
        Console.Error.WriteLine($"  {row.Scenario}: {row.Measure} = {row.Value}{(row.Passed is { } p ? $" ({row.Target}: {(p ? "PASS" : "MISS")})" : "")}");
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| scenario | measure | value | target | result |");
        text.AppendLine("|---|---|---:|---|---|");
        foreach (var r in _rows)
        {
            var result = r.Passed switch { true => "PASS", false => "**MISS**", null => "" };
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {r.Measure} | {r.Value} | {r.Target} | {result} |");
        }
        return text.ToString();
    }

    public static string Ms(double ms) => double.IsNaN(ms) ? "n/a" : ms.ToString(ms < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";

    public static string Rate(double perSecond, string unit) => perSecond.ToString("#,0", CultureInfo.InvariantCulture) + " " + unit;

    public static string Ratio(double ratio) => double.IsNaN(ratio) ? "n/a" : ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    /// <summary>Server CPU per operation, in microseconds: steadier than rates on a busy machine.</summary>
    public static string CpuPer(TimeSpan cpu, double operations) =>
        cpu == TimeSpan.Zero || operations <= 0 ? "n/a" : (cpu.TotalMicroseconds / operations).ToString("#,0", CultureInfo.InvariantCulture) + " µs";

    public static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
}
