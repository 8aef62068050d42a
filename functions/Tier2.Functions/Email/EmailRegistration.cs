using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Tier2.Functions.Email;

public static class EmailRegistration
{
    /// <summary>
    /// Registers <see cref="EmailOptions"/> (section <c>Email</c>, validated at start-up) and the <see cref="IEmailSender"/>
    /// that <c>Email__Provider</c> names. ACS without an access key uses a <see cref="TokenCredential"/> from the
    /// container when there is one, otherwise the identity <c>Email__credential</c>/<c>Email__clientId</c> name.
    /// </summary>
    public static IServiceCollection AddTier2Email(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new AcsEmailSender(
            sp.GetRequiredService<IOptions<EmailOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AcsEmailSender>>(),
            sp.GetService<TokenCredential>() ?? Tier2.Connections.ConnectionCredential.For(configuration.GetSection(EmailOptions.Section))));
        services.TryAddSingleton<SmtpEmailSender>();
        services.TryAddSingleton<IEmailSender>(sp => sp.GetRequiredService<IOptions<EmailOptions>>().Value.Provider switch
        {
            EmailProvider.Acs => sp.GetRequiredService<AcsEmailSender>(),
            _ => sp.GetRequiredService<SmtpEmailSender>(),
        });
        return services;
    }
}
