using Microsoft.Extensions.Options;
using Tier2.Functions.Email;

namespace Tier2.Functions.Tests.Email;

public sealed class EmailOptionsTests
{
    private static Dictionary<string, string?> Smtp() => new()
    {
        ["Email:Provider"] = "Smtp",
        ["Email:SenderAddress"] = "noreply@tier2.test.example",
        ["Email:SmtpHost"] = "127.0.0.1",
        ["Email:SmtpPort"] = "1025",
        ["Email:SmtpSecurity"] = "None",
    };

    private static Dictionary<string, string?> Acs() => new()
    {
        ["Email:Provider"] = "Acs",
        ["Email:SenderAddress"] = "DoNotReply@tier2.test.example",
        ["Email:AcsEndpoint"] = "https://contoso.europe.communication.azure.com",
        ["Email:AcsAccessKey"] = FakeAcsServer.AccessKey,
    };

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddTier2Email(configuration).BuildServiceProvider();
    }

    private static List<string> Failures(Dictionary<string, string?> settings)
    {
        using var services = Build(settings);
        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        return ex.Failures.ToList();
    }

    [Theory]
    [InlineData("Email:SenderAddress", "", "Email__SenderAddress")]
    [InlineData("Email:SenderAddress", "Contoso <a@b.example>", "Email__SenderAddress")]
    [InlineData("Email:SmtpHost", "", "Email__SmtpHost")]
    [InlineData("Email:SmtpPort", "0", "Email__SmtpPort")]
    [InlineData("Email:SmtpUserName", "user", "Email__SmtpPassword")]
    [InlineData("Email:SmtpTimeout", "00:00:00", "Email__SmtpTimeout")]
    public void Smtp_settings_are_checked_at_start_up_and_the_message_names_the_setting(string key, string value, string setting)
    {
        var settings = Smtp();
        settings[key] = value;

        Assert.Contains(Failures(settings), f => f.Contains($"'{setting}'", StringComparison.Ordinal));
    }

    [Fact]
    public void Smtp_credentials_over_a_plain_connection_to_a_remote_server_are_refused()
    {
        var settings = Smtp();
        settings["Email:SmtpHost"] = "smtp.example.com";
        settings["Email:SmtpUserName"] = "user";
        settings["Email:SmtpPassword"] = "secret-password";

        var failures = Failures(settings);

        Assert.Contains(failures, f => f.Contains("'Email__SmtpSecurity'", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("secret-password", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Email:AcsEndpoint", "", "Email__AcsEndpoint")]
    [InlineData("Email:AcsEndpoint", "http://contoso.communication.azure.com", "Email__AcsEndpoint")]
    [InlineData("Email:AcsEndpoint", "https://contoso.communication.azure.com/?x=1", "Email__AcsEndpoint")]
    [InlineData("Email:AcsAccessKey", "not base64!", "Email__AcsAccessKey")]
    [InlineData("Email:AcsPollInterval", "00:00:00", "Email__AcsPollInterval")]
    [InlineData("Email:AcsMaxPollDuration", "01:00:00", "Email__AcsMaxPollDuration")]
    [InlineData("Email:AcsMaxRetries", "99", "Email__AcsMaxRetries")]
    public void Acs_settings_are_checked_at_start_up_and_the_message_names_the_setting(string key, string value, string setting)
    {
        var settings = Acs();
        settings[key] = value;

        var failures = Failures(settings);

        Assert.Contains(failures, f => f.Contains($"'{setting}'", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains(FakeAcsServer.AccessKey, StringComparison.Ordinal));
    }

    [Fact]
    public void An_http_endpoint_is_allowed_for_loopback_only_and_only_with_an_access_key()
    {
        var settings = Acs();
        settings["Email:AcsEndpoint"] = "http://127.0.0.1:5555";
        using (var services = Build(settings))
        {
            services.GetRequiredService<IStartupValidator>().Validate();
        }

        settings["Email:AcsAccessKey"] = null;
        Assert.Contains(Failures(settings), f => f.Contains("'Email__AcsAccessKey'", StringComparison.Ordinal) && f.Contains("https", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_email_section_names_the_required_settings()
    {
        var failures = Failures([]);

        Assert.Contains(failures, f => f.Contains("'Email__SenderAddress'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'Email__SmtpHost'", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_provider_is_refused_naming_the_setting()
    {
        var settings = Smtp();
        settings["Email:Provider"] = "Sendgrid";
        using var services = Build(settings);

        var ex = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Email:Provider", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_provider_setting_chooses_the_sender()
    {
        using (var smtp = Build(Smtp()))
        {
            Assert.IsType<SmtpEmailSender>(smtp.GetRequiredService<IEmailSender>());
        }

        using var acs = Build(Acs());
        Assert.IsType<AcsEmailSender>(acs.GetRequiredService<IEmailSender>());
    }

    [Fact]
    public void Valid_settings_bind_every_value()
    {
        var settings = Acs();
        settings["Email:AcsPollInterval"] = "00:00:03";
        settings["Email:AcsMaxPollDuration"] = "00:01:00";
        using var services = Build(settings);

        services.GetRequiredService<IStartupValidator>().Validate();
        var options = services.GetRequiredService<IOptions<EmailOptions>>().Value;

        Assert.Equal(EmailProvider.Acs, options.Provider);
        Assert.Equal(new Uri("https://contoso.europe.communication.azure.com"), options.AcsEndpoint);
        Assert.Equal(TimeSpan.FromSeconds(3), options.AcsPollInterval);
        Assert.Equal(TimeSpan.FromMinutes(1), options.AcsMaxPollDuration);
    }
}
