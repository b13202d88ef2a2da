using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

/// <summary>
/// Passes a fleet's progress on in the input's order while its devices are applied concurrently: the first unfinished
/// device streams live, the others' events wait until every device before them has finished. The same fleet prints
/// the same lines in the same order, whatever order the server answered in.
/// </summary>
public sealed class OrderedReporter
{
    private readonly IInstallReporter _inner;
    private readonly List<Action<IInstallReporter>>[] _pending;
    private readonly bool[] _done;
    private readonly Lock _gate = new();
    private int _head;

    public OrderedReporter(IInstallReporter inner, int count)
    {
        _inner = inner;
        _pending = [.. Enumerable.Range(0, count).Select(_ => new List<Action<IInstallReporter>>())];
        _done = new bool[count];
    }

    public IInstallReporter For(int index) => new Device(this, index);

    /// <summary>The device at <paramref name="index"/> has nothing more to say.</summary>
    public void Complete(int index)
    {
        lock (_gate)
        {
            _done[index] = true;
            while (_head < _done.Length && _done[_head])
            {
                _head++;
                if (_head < _done.Length)
                {
                    _pending[_head].ForEach(e => e(_inner));
                    _pending[_head].Clear();
                }
            }
        }
    }

    private void Post(int index, Action<IInstallReporter> e)
    {
        lock (_gate)
        {
            if (index == _head)
            {
                e(_inner);
            }
            else
            {
                _pending[index].Add(e);
            }
        }
    }

    private sealed class Device(OrderedReporter owner, int index) : IInstallReporter
    {
        public void Applied(Change change) => owner.Post(index, r => r.Applied(change));

        public void Waiting(string device, string what) => owner.Post(index, r => r.Waiting(device, what));

        public void Stage(string device, WaitStage stage, string what) => owner.Post(index, r => r.Stage(device, stage, what));

        public void ImportProgress(string device, string dataVolume, string progress) => owner.Post(index, r => r.ImportProgress(device, dataVolume, progress));

        public void Warning(string device, string message) => owner.Post(index, r => r.Warning(device, message));
    }
}
