using System.Text;

namespace AotSandbox.Cli;

/// <summary>
/// Turns the words after <c>--</c> into the one shell string the protocol runs. One word is taken verbatim (so
/// <c>exec ID -- 'ls | wc -l'</c> keeps its pipe); several are quoted as needed, so <c>exec ID -- sh -c 'exit 7'</c>
/// means what it would mean locally.
/// </summary>
internal static class ShellCommandLine
{
    public static string Join(IReadOnlyList<string> words)
    {
        if (words.Count == 1)
        {
            return words[0];
        }

        var builder = new StringBuilder();
        foreach (string word in words)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(Quote(word));
        }

        return builder.ToString();
    }

    public static string Quote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c, StringComparison.Ordinal)))
        {
            return word;
        }

        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
