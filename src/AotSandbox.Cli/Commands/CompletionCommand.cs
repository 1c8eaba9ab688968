using System.CommandLine;

namespace AotSandbox.Cli.Commands;

/// <summary>
/// `aotsandbox completion`: prints a bash completion function. It asks the binary itself through System.CommandLine's
/// built-in <c>[suggest:POSITION]</c> directive, so completions always match this version's commands and options.
/// </summary>
internal static class CompletionCommand
{
    private const string Bash = """
        # aotsandbox bash completion. Install: aotsandbox completion >> ~/.bashrc (zsh: autoload bashcompinit && bashcompinit first)
        _aotsandbox_complete() {
            local IFS=$'\n'
            COMPREPLY=( $(command aotsandbox "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) )
        }
        complete -o default -F _aotsandbox_complete aotsandbox
        """;

    public static Command Create()
    {
        var command = new Command("completion", "Print a bash (or zsh with bashcompinit) completion script: aotsandbox completion >> ~/.bashrc");
        command.SetAction(_ =>
        {
            Console.Out.WriteLine(Bash);
            return 0;
        });
        return command;
    }
}
