using System.Text;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>Conversions between .NET text and Python <c>str</c>. The GIL must be held.</summary>
public static unsafe class PyStr
{
    private const int TwoByteKind = 2; // PyUnicode_2BYTE_KIND

    /// <summary>
    /// A str from text whose characters are all ≤ U+00FF — the latin-1 "native strings" of PEP 3333.
    /// UTF-16 code units are handed over as-is (PyUnicode_2BYTE_KIND); CPython picks the narrowest
    /// storage itself, so there is no transcoding pass in .NET.
    /// </summary>
    public static PyRef FromLatin1(ReadOnlySpan<char> text)
    {
        fixed (char* p = text)
        {
            return PyRef.Checked(CApi.PyUnicode_FromKindAndData(TwoByteKind, p, text.Length));
        }
    }

    /// <summary>A str holding the latin-1 decoding of raw bytes (byte n → U+00nn).</summary>
    public static PyRef FromLatin1Bytes(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return PyRef.Checked(CApi.PyUnicode_DecodeLatin1(p, bytes.Length, null));
        }
    }

    public static PyRef FromUtf8(ReadOnlySpan<byte> utf8)
    {
        fixed (byte* p = utf8)
        {
            return PyRef.Checked(CApi.PyUnicode_FromStringAndSize(p, utf8.Length));
        }
    }

    public static PyRef FromString(string text) => FromUtf8(Encoding.UTF8.GetBytes(text));

    /// <summary>An interned str, for dict keys and attribute names created once and kept forever.</summary>
    public static PyRef Intern(string text)
    {
        fixed (byte* p = Py.ToCStringHeap(text))
        {
            return PyRef.Checked(CApi.PyUnicode_InternFromString(p));
        }
    }

    /// <summary>
    /// Reads a str as latin-1 text. False (error cleared) when <paramref name="o"/> is not a str or
    /// holds a character above U+00FF — PEP 3333 requires latin-1 for status and header strings.
    /// </summary>
    public static bool TryGetLatin1(PyBorrowed o, out string text)
    {
        text = "";
        if (!Py.IsStr(o))
        {
            return false;
        }

        nint size;
        var utf8 = CApi.PyUnicode_AsUTF8AndSize(o.Handle, &size);
        if (utf8 == null)
        {
            CApi.PyErr_Clear();
            return false;
        }

        var span = new ReadOnlySpan<byte>(utf8, (int)size);
        if (!span.ContainsAnyInRange((byte)0x80, (byte)0xFF))
        {
            text = Encoding.ASCII.GetString(span);
            return true;
        }

        var decoded = Encoding.UTF8.GetString(span);
        foreach (var c in decoded)
        {
            if (c > '\u00FF')
            {
                return false;
            }
        }

        text = decoded;
        return true;
    }

    /// <summary>
    /// The UTF-8 form of a str without copying: CPython keeps it inside the object (ASCII strings
    /// are their own UTF-8), so the span is valid while the object is alive. False (error cleared)
    /// when <paramref name="o"/> is not a str or holds a lone surrogate, which has no UTF-8 form.
    /// </summary>
    public static bool TryGetUtf8(PyBorrowed o, out ReadOnlySpan<byte> utf8)
    {
        utf8 = default;
        if (!Py.IsStr(o))
        {
            return false;
        }

        nint size;
        var data = CApi.PyUnicode_AsUTF8AndSize(o.Handle, &size);
        if (data == null)
        {
            CApi.PyErr_Clear();
            return false;
        }

        utf8 = new ReadOnlySpan<byte>(data, (int)size);
        return true;
    }

    /// <summary>Reads any str as .NET text (surrogates replaced); for messages and names.</summary>
    public static string ToStringLossy(PyBorrowed o)
    {
        nint size;
        var utf8 = CApi.PyUnicode_AsUTF8AndSize(o.Handle, &size);
        if (utf8 == null)
        {
            CApi.PyErr_Clear();
            return "<unprintable>";
        }

        return Encoding.UTF8.GetString(utf8, (int)size);
    }
}
