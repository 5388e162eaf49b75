/** Sending domains (R-DOM-1…4) and the From resolution (R-OUT-1, R-OUT-2): the module's public surface. */
export {
  addSendingDomain,
  addSendingDomainInput,
  defaultSelector,
  getSendingDomain,
  listSendingDomains,
  removeSendingDomain,
  sendingDomainPrivateKey,
  type AddSendingDomainInput,
  type SendingDomainView,
} from "./manage-sending-domains";
export {
  chunkTxt,
  dkimHost,
  dkimRecordValue,
  recordsToPublish,
  type RecordToPublish,
  type RecordsToPublish,
  type RecordsOptions,
} from "./records-to-publish";
export {
  countSpfLookups,
  countSpfRecordLookups,
  isSpfRecord,
  mergeSpf,
  SPF_LOOKUP_LIMIT,
  type SpfLookupCount,
} from "./spf";
export {
  checkSendingDomainRecords,
  recheckDueDomains,
  verifySendingDomain,
  verifySendingDomainInput,
  type DomainCheck,
  type RecheckResult,
  type RecordCheck,
  type RecordStatus,
  type VerifySendingDomainInput,
} from "./verify-sending-domain";
export {
  resolveFromAddress,
  setClientSendingOverride,
  setTenantDefaultFrom,
  setUserSendAs,
  type GatewayFrom,
  type GatewaySender,
  type ResolvedFrom,
} from "./resolve-from-address";
export {
  gatewayDkim,
  gatewayDkimFromEnv,
  gatewayDkimKeyFile,
  gatewayRecords,
  type GatewayDkim,
  type GatewayRecords,
} from "./gateway-dkim";
export {
  getClientSendingOverride,
  getTenantDefaultFrom,
  getUserSendAs,
  listSendingDomainSummaries,
  listVerifiedSendingDomains,
  parseCheck,
  sendingDomainDetails,
  type ClientSendingOverride,
  type SendingDomainDetails,
  type SendingDomainSummary,
  type StoredStatus,
  type TenantDefaultFrom,
  type UserSendAs,
  type VerifiedDomainOption,
} from "./sending-domain-pages";
export {
  startRecheckJob,
  RECHECK_INTERVAL_MS,
  RECHECK_MAX_AGE_MS,
  type RecheckJob,
  type RecheckJobOptions,
} from "./recheck-job";
