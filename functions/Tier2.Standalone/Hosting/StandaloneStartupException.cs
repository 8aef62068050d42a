namespace Tier2.Standalone.Hosting;

/// <summary>
/// A start-up error the operator can fix (a missing setting, a function the host cannot bind, a missing
/// convention method). Its message is one line naming what is wrong; the exe prints it and exits with 1.
/// </summary>
public sealed class StandaloneStartupException : Exception
{
    /// <summary>Creates the error with its one-line message.</summary>
    public StandaloneStartupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with its one-line message and the underlying cause.</summary>
    public StandaloneStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the error with a generic message.</summary>
    public StandaloneStartupException()
        : base("The standalone host could not start.")
    {
    }
}
