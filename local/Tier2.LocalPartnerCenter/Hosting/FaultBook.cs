namespace Tier2.LocalPartnerCenter;

/// <summary>Armed faults, each for the next N calls whose method and path match.</summary>
internal sealed class FaultBook
{
    private readonly List<ArmedFault> _faults = [];

    public void Arm(FaultSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Path) || spec.Count < 1)
        {
            throw new ArgumentException("A fault needs a path pattern and a count of at least 1.", nameof(spec));
        }

        lock (_faults)
        {
            _faults.Add(new ArmedFault(spec));
        }
    }

    public void Clear()
    {
        lock (_faults)
        {
            _faults.Clear();
        }
    }

    /// <summary>Takes one use of the first armed fault of one of <paramref name="kinds"/> matching the call, if any.</summary>
    public FaultSpec? Take(string method, string path, params FaultKind[] kinds)
    {
        lock (_faults)
        {
            ArmedFault? fault = _faults.FirstOrDefault(f => kinds.Contains(f.Spec.Kind) && f.Matches(method, path));
            if (fault is null)
            {
                return null;
            }

            if (--fault.Remaining == 0)
            {
                _faults.Remove(fault);
            }

            return fault.Spec;
        }
    }

    private sealed class ArmedFault(FaultSpec spec)
    {
        private readonly string[] _pattern = spec.Path.Trim('/').Split('/');

        public FaultSpec Spec { get; } = spec;

        public int Remaining { get; set; } = spec.Count;

        public bool Matches(string method, string path)
        {
            if (Spec.Method is not null && !string.Equals(Spec.Method, method, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            string[] segments = path.Trim('/').Split('/');
            for (int i = 0; i < _pattern.Length; i++)
            {
                if (_pattern[i] == "**")
                {
                    return true;
                }

                if (i >= segments.Length || (_pattern[i] != "*" && !string.Equals(_pattern[i], segments[i], StringComparison.OrdinalIgnoreCase)))
                {
                    return false;
                }
            }

            return segments.Length == _pattern.Length;
        }
    }
}
