/** Who called an admin endpoint: the admin key's name (the audit trail's actor) and what it may do. */
export interface AdminCaller {
  readonly name: string;
  readonly role: 'admin' | 'viewer';
}
