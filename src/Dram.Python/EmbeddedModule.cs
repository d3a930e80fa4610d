using System.Reflection;

namespace Dram.Python;

/// <summary>
/// A helper module embedded as Python source (<see cref="Bootstrap.LoadModule"/>), loaded on
/// first use and kept for the process, with native functions set as module attributes so its
/// Python code can call back into C#. One per module, held in a static field by its user.
/// </summary>
public sealed class EmbeddedModule
{
    private readonly Lock _lock = new();
    private readonly Assembly _assembly;
    private readonly string _resource;
    private readonly string _name;
    private readonly (string Attribute, NativeFunction Function)[] _callbacks;
    private PyRef _module;

    /// <param name="callbacks">Each bound with state 0 and set as the module's <c>Attribute</c>.</param>
    public EmbeddedModule(Assembly assembly, string resource, string name, params (string Attribute, NativeFunction Function)[] callbacks)
    {
        _assembly = assembly;
        _resource = resource;
        _name = name;
        _callbacks = callbacks;
    }

    /// <summary>The module, loaded now if it was not (GIL held).</summary>
    public PyBorrowed Get()
    {
        lock (_lock)
        {
            if (_module.IsNull)
            {
                var module = Bootstrap.LoadModule(_assembly, _resource, _name);
                foreach (var (attribute, function) in _callbacks)
                {
                    using var bound = function.Bind(0);
                    Py.SetAttr(module.Borrow(), attribute, bound.Borrow());
                }

                _module = module;
            }

            return _module.Borrow();
        }
    }
}
