namespace PSContainer.Runtime.Registry.Auth;

/// <summary>
/// One authentication challenge from a <c>WWW-Authenticate</c> header (RFC 7235), e.g.
/// <c>Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"</c>.
/// </summary>
public sealed record Challenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Realm => Parameters.GetValueOrDefault("realm");

    public string? Service => Parameters.GetValueOrDefault("service");

    public string? Scope => Parameters.GetValueOrDefault("scope");

    /// <summary>Parses every challenge in a header value; schemes are case-insensitive, parameter names lowercase.</summary>
    public static IReadOnlyList<Challenge> Parse(string header)
    {
        var result = new List<Challenge>();
        int i = 0;
        while (i < header.Length)
        {
            SkipSeparators(header, ref i);
            string scheme = ReadToken(header, ref i);
            if (scheme.Length == 0)
            {
                break;
            }
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            while (true)
            {
                int save = i;
                SkipSeparators(header, ref i);
                string name = ReadToken(header, ref i);
                SkipSpaces(header, ref i);
                if (name.Length == 0 || i >= header.Length || header[i] != '=')
                {
                    // Not a parameter: the start of the next challenge.
                    i = save;
                    break;
                }
                i++;
                SkipSpaces(header, ref i);
                parameters[name.ToLowerInvariant()] = i < header.Length && header[i] == '"' ? ReadQuoted(header, ref i) : ReadToken(header, ref i);
            }
            result.Add(new Challenge(scheme, parameters));
        }
        // containerd ranks bearer above basic; keep the header's order otherwise.
        return result.OrderBy(c => c.Scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase) ? 0 : 1).ToList();
    }

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t'))
        {
            i++;
        }
    }

    private static void SkipSeparators(string s, ref int i)
    {
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
        {
            i++;
        }
    }

    private static string ReadToken(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && s[i] != ' ' && s[i] != '\t' && s[i] != ',' && s[i] != '=' && s[i] != '"')
        {
            i++;
        }
        return s[start..i];
    }

    private static string ReadQuoted(string s, ref int i)
    {
        var builder = new System.Text.StringBuilder();
        i++; // opening quote
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }
            builder.Append(s[i]);
            i++;
        }
        i++; // closing quote
        return builder.ToString();
    }
}
