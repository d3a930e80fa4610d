namespace Dram.Server;

/// <summary>
/// Maps the small integer handles Python holds (WSGI: start_response, write and wsgi.input;
/// ASGI: receive and send) to the live request. A handle carries a generation, so an app that keeps one of these objects past
/// its request gets a clear error instead of touching another request (research/embedding.md §7.5).
/// </summary>
internal sealed class RequestTable<T>
    where T : class
{
    private const int IndexBits = 20;
    private const long IndexMask = (1L << IndexBits) - 1;

    private readonly Lock _lock = new();
    private readonly Stack<int> _free = new();
    private T?[] _slots = new T?[64];
    private int[] _generations = new int[64];
    private int _used;

    public long Add(T request)
    {
        lock (_lock)
        {
            int index;
            if (_free.Count > 0)
            {
                index = _free.Pop();
            }
            else
            {
                if (_used == _slots.Length)
                {
                    Array.Resize(ref _slots, _slots.Length * 2);
                    Array.Resize(ref _generations, _generations.Length * 2);
                }

                index = _used++;
            }

            _slots[index] = request;
            var generation = ++_generations[index] & 0x7FFFFFFF;
            return ((long)generation << IndexBits) | (uint)index;
        }
    }

    public void Remove(long handle)
    {
        lock (_lock)
        {
            var index = (int)(handle & IndexMask);
            _slots[index] = null;
            _free.Push(index);
        }
    }

    /// <summary>The requests running now (for the watchdog; a copy, taken under the lock).</summary>
    public T[] Snapshot()
    {
        lock (_lock)
        {
            var live = new List<T>();
            for (var i = 0; i < _used; i++)
            {
                if (_slots[i] is { } request)
                {
                    live.Add(request);
                }
            }

            return [.. live];
        }
    }

    /// <summary>The request for a handle, or null when that request has ended.</summary>
    public T? Find(long handle)
    {
        lock (_lock)
        {
            var index = (int)(handle & IndexMask);
            if (index >= _used || (_generations[index] & 0x7FFFFFFF) != (int)(handle >> IndexBits))
            {
                return null;
            }

            return _slots[index];
        }
    }
}
