using System.Text.RegularExpressions;

namespace AotSandbox.Tests.Native;

/// <summary>
/// The parts of the C ABI that are copied by hand into each binding, read from source text and reduced to one
/// canonical spelling so that C, C#, Rust and Go can be compared: constants by name and value, functions by the
/// canonical type of their return value and of each parameter, structs by the canonical type of each field.
/// Canonical types are C#'s blittable spellings: <c>nint</c> for handles, callbacks and <c>void*</c>; <c>byte*</c> for
/// <c>char*</c>/<c>uint8_t*</c>; <c>nuint</c> for <c>size_t</c>; <c>int</c>, <c>uint</c>, <c>long</c>; struct names as the C# structs.
/// </summary>
internal static partial class CAbiModel
{
    public sealed record Function(string Name, string Return, IReadOnlyList<string> Parameters)
    {
        public override string ToString() => $"{Return} {Name}({string.Join(", ", Parameters)})";
    }

    /// <summary>Names and values of the header's enumerators and #defines (AOTSB_*).</summary>
    public static Dictionary<string, long> HeaderConstants(string header)
    {
        var constants = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match m in HeaderEnumerator().Matches(header))
        {
            constants[m.Groups[1].Value] = long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (Match m in HeaderDefine().Matches(header))
        {
            constants[m.Groups[1].Value] = long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return constants;
    }

    /// <summary>Every AOTSB_API prototype of the header.</summary>
    public static Dictionary<string, Function> HeaderFunctions(string header)
    {
        HashSet<string> opaque = OpaqueTypes(header);
        var functions = new Dictionary<string, Function>(StringComparer.Ordinal);
        foreach (Match m in HeaderPrototype().Matches(header))
        {
            string parameters = m.Groups[3].Value.Trim();
            List<string> types = parameters is "void" or ""
                ? []
                : parameters.Split(',').Select(p => CType(StripCName(p), opaque)).ToList();
            functions[m.Groups[2].Value] = new Function(m.Groups[2].Value, CType(m.Groups[1].Value, opaque), types);
        }

        return functions;
    }

    /// <summary>Field types, in order, of a struct the header defines with a body (<c>typedef struct x { … } x_t;</c>).</summary>
    public static List<string> HeaderStructFields(string header, string typedefName)
    {
        Match m = Regex.Match(header, @"typedef struct \w+ \{(?<body>[^}]*)\}\s*" + Regex.Escape(typedefName) + ";");
        Assert.True(m.Success, typedefName + " is not defined in the header");
        HashSet<string> opaque = OpaqueTypes(header);
        string body = Regex.Replace(m.Groups["body"].Value, @"/\*.*?\*/", string.Empty, RegexOptions.Singleline);
        return body.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(field => CType(StripCName(field), opaque))
            .ToList();
    }

    /// <summary>Every [UnmanagedCallersOnly] export of the C# sources given, by entry point.</summary>
    public static Dictionary<string, Function> CSharpExports(IEnumerable<string> sources)
    {
        var functions = new Dictionary<string, Function>(StringComparer.Ordinal);
        foreach (string source in sources)
        {
            foreach (Match m in CSharpExport().Matches(source))
            {
                string parameters = m.Groups[3].Value.Trim();
                List<string> types = parameters.Length == 0
                    ? []
                    : parameters.Split(',').Select(p => CSharpType(StripLastWord(p))).ToList();
                functions[m.Groups[1].Value] = new Function(m.Groups[1].Value, CSharpType(m.Groups[2].Value), types);
            }
        }

        return functions;
    }

    /// <summary>Field types, in order, of a sequential C# struct.</summary>
    public static List<string> CSharpStructFields(string source, string structName)
    {
        Match m = Regex.Match(source, @"struct " + Regex.Escape(structName) + @"\s*\{(?<body>.*?)\n\}", RegexOptions.Singleline);
        Assert.True(m.Success, structName + " not found");
        return CSharpField().Matches(m.Groups["body"].Value).Select(f => CSharpType(f.Groups[1].Value)).ToList();
    }

    /// <summary>Every function of the Rust <c>extern "C"</c> block.</summary>
    public static Dictionary<string, Function> RustFunctions(string lib)
    {
        var functions = new Dictionary<string, Function>(StringComparer.Ordinal);
        foreach (Match m in RustFunction().Matches(lib))
        {
            List<string> types = m.Groups[2].Value
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => RustType(p[(p.IndexOf(':', StringComparison.Ordinal) + 1)..]))
                .ToList();
            string ret = m.Groups[3].Success ? RustType(m.Groups[3].Value) : "void";
            functions[m.Groups[1].Value] = new Function(m.Groups[1].Value, ret, types);
        }

        return functions;
    }

    /// <summary>Field types, in order, of a <c>#[repr(C)]</c> Rust struct.</summary>
    public static List<string> RustStructFields(string lib, string structName)
    {
        Match m = Regex.Match(lib, @"pub struct " + Regex.Escape(structName) + @"\s*\{(?<body>[^}]*)\}");
        Assert.True(m.Success, structName + " not found in the Rust bindings");
        return RustField().Matches(m.Groups["body"].Value).Select(f => RustType(f.Groups[1].Value)).ToList();
    }

    /// <summary><c>pub const NAME: type = value;</c> of the Rust bindings.</summary>
    public static Dictionary<string, long> RustConstants(string lib) =>
        RustConstant().Matches(lib).ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary><c>Name Type = value</c> constants of the Go package, for the given Go type.</summary>
    public static Dictionary<string, long> GoConstants(string source, string goType) =>
        Regex.Matches(source, @"^\s*(\w+)\s+" + Regex.Escape(goType) + @"\s*=\s*(-?\d+)\s*$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>"AOTSB_ERR_NOT_FOUND" with prefix "AOTSB_ERR_" → "notfound": how every binding's spelling is compared.</summary>
    public static string Key(string name, string prefix = "") =>
        (name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name).Replace("_", string.Empty, StringComparison.Ordinal).ToLowerInvariant();

    private static HashSet<string> OpaqueTypes(string header) =>
        OpaqueTypedef().Matches(header).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    private static string StripCName(string declaration)
    {
        string text = declaration.Trim();
        Match name = Regex.Match(text, @"(?<=[\s*])[A-Za-z_]\w*$");
        return name.Success && text[..name.Index].Trim().Length > 0 ? text[..name.Index] : text;
    }

    private static string StripLastWord(string declaration)
    {
        string text = declaration.Trim();
        int space = text.LastIndexOf(' ');
        return space < 0 ? text : text[..space];
    }

    private static string CType(string type, HashSet<string> opaque)
    {
        string text = type.Replace("const", " ", StringComparison.Ordinal).Trim();
        int stars = text.Count(c => c == '*');
        string baseType = text.Replace("*", string.Empty, StringComparison.Ordinal).Trim();
        string canonical = baseType switch
        {
            "char" or "uint8_t" => "byte",
            "size_t" => "nuint",
            "int32_t" or "aotsb_status_t" => "int",
            "uint32_t" => "uint",
            "int64_t" => "long",
            "void" => "void",
            "aotsb_output_fn" => "nint",
            "aotsb_exit_t" => "AbiExit",
            "aotsb_file_entry_t" => "AbiFileEntry",
            _ when opaque.Contains(baseType) => "handle",
            _ => "?" + baseType,
        };
        return Pointer(canonical, stars);
    }

    private static string CSharpType(string type)
    {
        string text = type.Replace(" ", string.Empty, StringComparison.Ordinal);
        int stars = text.Count(c => c == '*');
        string baseType = text.Replace("*", string.Empty, StringComparison.Ordinal) switch
        {
            "IntPtr" => "nint",
            "UIntPtr" => "nuint",
            "Int32" => "int",
            "UInt32" => "uint",
            "Int64" => "long",
            var other => other,
        };
        return Pointer(baseType, stars);
    }

    private static string RustType(string type)
    {
        string text = type.Trim();
        if (text == "Err")
        {
            return "nint*"; // type Err = *mut *mut aotsb_error_t
        }

        int stars = 0;
        while (true)
        {
            Match pointer = Regex.Match(text, @"^\*(?:const|mut)\s+");
            if (!pointer.Success)
            {
                break;
            }

            stars++;
            text = text[pointer.Length..].Trim();
        }

        string canonical = text switch
        {
            "c_char" or "u8" => "byte",
            "usize" => "nuint",
            "i32" or "aotsb_status_t" => "int",
            "u32" => "uint",
            "i64" => "long",
            "c_void" => "void",
            "aotsb_output_fn" => "nint",
            "aotsb_exit_t" => "AbiExit",
            "aotsb_file_entry_t" => "AbiFileEntry",
            _ when text.StartsWith("aotsb_", StringComparison.Ordinal) && text.EndsWith("_t", StringComparison.Ordinal) => "handle",
            _ => "?" + text,
        };
        return Pointer(canonical, stars);
    }

    // A handle (opaque pointer), a void pointer and a function pointer are all nint at the ABI.
    private static string Pointer(string baseType, int stars) => (baseType, stars) switch
    {
        ("handle", 0) => "?handle-by-value",
        ("handle", _) => "nint" + new string('*', stars - 1),
        ("void", > 0) => "nint" + new string('*', stars - 1),
        _ => baseType + new string('*', stars),
    };

    [GeneratedRegex(@"\b(AOTSB_[A-Z0-9_]+)\s*=\s*(-?\d+)")]
    private static partial Regex HeaderEnumerator();

    [GeneratedRegex(@"^#define\s+(AOTSB_[A-Z0-9_]+)\s+(\d+)u?\b", RegexOptions.Multiline)]
    private static partial Regex HeaderDefine();

    [GeneratedRegex(@"^AOTSB_API\s+([^(]*?)\b(aotsb_[a-z0-9_]+)\s*\(([^)]*)\)\s*;", RegexOptions.Multiline)]
    private static partial Regex HeaderPrototype();

    [GeneratedRegex(@"^typedef struct aotsb_\w+ (aotsb_\w+_t);", RegexOptions.Multiline)]
    private static partial Regex OpaqueTypedef();

    [GeneratedRegex(@"\[UnmanagedCallersOnly\(EntryPoint = ""(aotsb_\w+)""\)\]\s*public static (?:unsafe )?([\w*]+) \w+\(([^)]*)\)")]
    private static partial Regex CSharpExport();

    [GeneratedRegex(@"^\s*public ([\w*]+) \w+;", RegexOptions.Multiline)]
    private static partial Regex CSharpField();

    [GeneratedRegex(@"pub fn (aotsb_\w+)\s*\(([^)]*)\)\s*(?:->\s*([^;{]+?))?\s*;", RegexOptions.Singleline)]
    private static partial Regex RustFunction();

    [GeneratedRegex(@"pub \w+:\s*([^,]+),")]
    private static partial Regex RustField();

    [GeneratedRegex(@"pub const (AOTSB_[A-Z0-9_]+):\s*\w+\s*=\s*(-?\d+);")]
    private static partial Regex RustConstant();
}
