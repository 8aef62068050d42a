// The hosting plan and the function app: Tier2.Functions is a custom handler (a self-contained
// linux-x64 Kestrel executable), so the app has no language stack.
// - FlexConsumption (default): FC1 plan; runtime, deployment storage and scale are set in
//   functionAppConfig, and FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION /
//   WEBSITE_RUN_FROM_PACKAGE are not supported as app settings there.
// - Premium: Elastic Premium EP1..EP3 plan on Linux; FUNCTIONS_WORKER_RUNTIME=custom and an empty
//   linuxFxVersion (no stack: the host's base image runs the executable). The app runs from a
//   package URL in the deployment container, read with the managed identity, so no Azure Files
//   content share is needed (a content share would require a storage connection string, that is,
//   shared-key access).

@description('Azure region.')
param location string

@description('Hosting plan name.')
param planName string

@description('Function app name.')
param appName string

@description('Hosting plan kind.')
@allowed([
  'FlexConsumption'
  'Premium'
])
param planKind string

@description('Elastic Premium SKU, when planKind is Premium.')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param premiumSku string

@description('Flex Consumption instance memory in MB.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('URL of the blob container that holds the deployment package.')
param deploymentContainerUrl string

@description('Blob name of the package the Premium plan runs from.')
param premiumPackageBlobName string

@description('App settings common to both plans (Tier2 settings, AzureWebJobsStorage, telemetry, Key Vault references).')
param appSettings object

@description('Public base URL of the API (Tier2__PublicBaseUrl); empty for https://<default host name>/api.')
param publicBaseUrl string

@description('Tags applied to every resource.')
param tags object

var isFlex = planKind == 'FlexConsumption'

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex
    ? {
        name: 'FC1'
        tier: 'FlexConsumption'
      }
    : {
        name: premiumSku
        tier: 'ElasticPremium'
        family: 'EP'
      }
  properties: {
    // Linux.
    reserved: true
    // Premium scale-out ceiling (Flex takes its ceiling from the app's scaleAndConcurrency).
    maximumElasticWorkerCount: isFlex ? null : min(maximumInstanceCount, 100)
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    reserved: true
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    // Key Vault references in app settings resolve as the user-assigned identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Custom handler: no language stack on Premium; Flex takes the runtime from functionAppConfig.
      linuxFxVersion: isFlex ? null : ''
      functionAppScaleLimit: isFlex ? null : min(maximumInstanceCount, 100)
      minimumElasticInstanceCount: isFlex ? null : 1
    }
    functionAppConfig: isFlex
      ? {
          deployment: {
            storage: {
              type: 'blobContainer'
              value: deploymentContainerUrl
              authentication: {
                type: 'UserAssignedIdentity'
                userAssignedIdentityResourceId: identityId
              }
            }
          }
          runtime: {
            name: 'custom'
            version: '1.0'
          }
          scaleAndConcurrency: {
            instanceMemoryMB: instanceMemoryMB
            maximumInstanceCount: maximumInstanceCount
          }
        }
      : null
  }
}

// Deployments authenticate with Entra ID (az functionapp deploy, az storage blob upload
// --auth-mode login); no basic-auth publishing credentials.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

var premiumSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'custom'
  WEBSITE_RUN_FROM_PACKAGE: '${deploymentContainerUrl}/${premiumPackageBlobName}'
  WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID: identityId
}

// Set after the site exists so that the public base URL can use the host name Azure assigned
// (the app validates it as the absolute URL of its API, routes included: .../api).
resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union(
    appSettings,
    {
      Tier2__PublicBaseUrl: empty(publicBaseUrl) ? 'https://${site.properties.defaultHostName}/api' : publicBaseUrl
    },
    isFlex ? {} : premiumSettings
  )
}

@description('Function app name.')
output name string = site.name

@description('Default host name of the function app.')
output defaultHostName string = site.properties.defaultHostName
