// Azure Communication Services for email: an Email Communication Service with an Azure-managed
// domain (<guid>.azurecomm.net, no DNS to verify), linked to a Communication Services resource the
// app sends through (REST, Entra ID auth as the app's managed identity). Access keys are off
// (disableLocalAuth): a connection string or HMAC key is refused, only Entra ID tokens work.

@description('Communication Services resource name (globally unique: it is the endpoint host name).')
param communicationServiceName string

@description('Email Communication Service name.')
param emailServiceName string

@description('Where the communication data is stored at rest, e.g. "United States", "Europe".')
param dataLocation string

@description('Resource id of a verified custom domain (emailServices/domains, same data location) to link and send from; empty for none.')
param customDomainId string

@description('Sender address on the custom domain; used only with customDomainId.')
param customSenderAddress string

@description('Log Analytics workspace resource id (diagnostic settings).')
param workspaceId string

@description('Tags applied to every resource.')
param tags object

resource emailService 'Microsoft.Communication/emailServices@2025-05-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// An Azure-managed domain must be named "AzureManagedDomain".
resource managedDomain 'Microsoft.Communication/emailServices/domains@2025-05-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    // Invite links must reach recipients untouched: no click/open tracking rewrites.
    userEngagementTracking: 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2025-05-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    disableLocalAuth: true
    linkedDomains: empty(customDomainId) ? [managedDomain.id] : [managedDomain.id, customDomainId]
  }
}

// Email logs: each send request, each delivery status update, and (if tracking is turned on)
// engagement events.
// 2021-05-01-preview is the newest version of diagnosticSettings and the first with categoryGroup;
// the linter would only take 2016-09-01.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: communicationService
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'EmailSendMailOperational'
        enabled: true
      }
      {
        category: 'EmailStatusUpdateOperational'
        enabled: true
      }
      {
        category: 'EmailUserEngagementOperational'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

@description('Communication Services resource name.')
output communicationServiceName string = communicationService.name

@description('Communication Services endpoint, e.g. https://<name>.<geo>.communication.azure.com.')
output endpoint string = 'https://${communicationService.properties.hostName}'

@description('Sender address: on the custom domain when there is one, else on the Azure-managed domain.')
output senderAddress string = empty(customDomainId)
  ? 'DoNotReply@${managedDomain.properties.mailFromSenderDomain}'
  : customSenderAddress
