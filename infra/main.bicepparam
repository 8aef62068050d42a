// Example parameters for deploying without azd: copy, fill in, then
//   az deployment sub create -n tier2-dev -l eastus2 -f infra/main.bicep -p infra/main.bicepparam
// (azd reads main.parameters.json instead.)
using 'main.bicep'

param environmentName = 'tier2-dev'
param location = 'eastus2'

// Your object id (az ad signed-in-user show --query id -o tsv), to inspect the deployed package;
// empty for none.
param principalId = ''

param namePrefix = 'tier2'
param instanceMemoryMB = 2048
param maximumInstanceCount = 100
param durableAlwaysReadyInstances = 1
param durableMaxQueuePollingInterval = '00:00:10'

param providerName = 'Contoso Distribution'
param providerEmail = 'partners@contoso.example'

// Entra ID (see infra/README.md): the API app registration's Application (client) ID, which v2.0
// access tokens carry as their audience. The authority defaults to this tenant's v2.0 endpoint.
param authAudience = '00000000-0000-0000-0000-000000000000'

param acsDataLocation = 'United States'
param acsSenderRole = 'CommunicationAndEmailServiceOwner'
// A verified custom email domain (its resource id) and the sender address on it; empty: the Azure-managed
// domain, which sends at most 5 emails a minute and 10 an hour (the invite rate follows: infra/README.md).
param emailCustomDomainId = ''
param emailSenderAddress = ''
param keyVaultPurgeProtection = true

// Partner Center (infra/README.md): Enabled needs the app registration's client id here and its client secret
// in the vault (set by hand, never in this file). The URLs default to the real service; the integration sandbox
// is the same service, reached with the sandbox partner tenant's id and app registration.
param partnerCenterMode = 'Disabled'
param partnerCenterTenantId = ''
param partnerCenterClientId = ''

param tags = {
  application: 'tier2'
  environment: 'dev'
}
