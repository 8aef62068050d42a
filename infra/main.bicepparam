// Example parameters: copy, fill in the tenant and the app registration, then
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
using 'main.bicep'

param namePrefix = 'tier2'
param planKind = 'FlexConsumption'
param instanceMemoryMB = 2048
param maximumInstanceCount = 100

param providerName = 'Contoso Distribution'
param providerEmail = 'partners@contoso.example'

// Entra ID (see infra/README.md): the tenant that issues tokens, and the API app registration's
// Application (client) ID, which v2.0 access tokens carry as their audience.
param authAuthority = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0'
param authAudience = '00000000-0000-0000-0000-000000000000'

param acsDataLocation = 'United States'
param acsSenderRole = 'Custom'
param keyVaultPurgeProtection = true

param tags = {
  application: 'tier2'
  environment: 'dev'
}
