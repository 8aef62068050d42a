using Tier2.Functions.Orders;

namespace Tier2.Functions.Tests.Orders;

public sealed class TemporaryPasswordTests
{
    [Fact]
    public void Generated_passwords_meet_the_complexity_rules_and_do_not_repeat()
    {
        var passwords = Enumerable.Range(0, 2000).Select(_ => TemporaryPassword.Generate()).ToList();

        Assert.All(passwords, p => Assert.True(TemporaryPassword.MeetsComplexity(p), p));
        Assert.All(passwords, p => Assert.Equal(TemporaryPassword.Length, p.Length));
        Assert.Equal(passwords.Count, passwords.Distinct(StringComparer.Ordinal).Count());
        const string allowed = TemporaryPassword.Upper + TemporaryPassword.Lower + TemporaryPassword.Digits + TemporaryPassword.Symbols;
        Assert.All(passwords, p => Assert.All(p, c => Assert.Contains(c, allowed)));

        // Every position takes every class sometimes: the guaranteed characters are shuffled, not always first.
        Assert.Contains(passwords, p => char.IsAsciiDigit(p[^1]));
        Assert.Contains(passwords, p => char.IsAsciiLetterLower(p[0]));
    }

    [Theory]
    [InlineData("short1!A")]
    [InlineData("alllowercaseletters1!")]
    [InlineData("NoDigitsHere!!!!!x")]
    [InlineData("NoSymbols12345678x")]
    public void Weak_passwords_fail_the_check(string password) => Assert.False(TemporaryPassword.MeetsComplexity(password));
}
