using System.Text;

namespace UrlLoading.Generators;

/// <summary>An indented text writer for generated source: code is written as it will read.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void WriteLine(string line = "")
    {
        if (line.Length > 0)
            _text.Append(' ', _indent * 4);
        _text.Append(line).Append('\n');
    }

    public void OpenBlock(string header)
    {
        WriteLine(header);
        WriteLine("{");
        _indent++;
    }

    public void CloseBlock()
    {
        _indent--;
        WriteLine("}");
    }

    public override string ToString() => _text.ToString();
}
