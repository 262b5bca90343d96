using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Synack.Tests.Docs;

/// <summary>
/// Compiles a documentation snippet in-process with Roslyn, as the reader's <c>dotnet new console</c> project would:
/// top-level statements, nullable on, the SDK's implicit usings, and references to the runtime and to the Synack and
/// Microsoft.Extensions assemblies this test project carries.
/// </summary>
internal static partial class SnippetCompiler
{
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(LoadReferences);

    /// <summary>The <c>```csharp</c> blocks of a Markdown file, with the line each starts on.</summary>
    public static IReadOnlyList<(int Line, string Code)> CSharpBlocks(string markdown)
    {
        var blocks = new List<(int, string)>();
        foreach (Match match in FencedCSharp().Matches(markdown))
        {
            int line = markdown.AsSpan(0, match.Index).Count('\n') + 2;
            blocks.Add((line, match.Groups["code"].Value));
        }

        return blocks;
    }

    /// <summary>The errors and warnings compiling <paramref name="code"/> gives, each as "(line,column): CSxxxx message".</summary>
    public static IReadOnlyList<string> Problems(string code)
    {
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(code, path: "snippet.cs"), CSharpSyntaxTree.ParseText(ImplicitUsings, path: "usings.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        return compilation.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => $"({d.Location.GetLineSpan().StartLinePosition.Line + 1},{d.Location.GetLineSpan().StartLinePosition.Character + 1}): {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")
            .ToList();
    }

    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        // The runtime's own assemblies (the trusted platform list), then what this test's output holds of Synack and
        // Microsoft.Extensions; one file per assembly name.
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "Synack*.dll"))
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "Microsoft.Extensions.*.dll"))
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .DistinctBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedCSharp();
}
