export interface AuditQuery {
  collection?: string;
  userId?: string;
  outcome?: string;
  action?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  cursor?: string;
}
