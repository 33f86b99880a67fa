// A typed alt:V-style resource against the installed `guildhall` package, checked with
// `tsc --strict` by bindings-node/test-install.sh: the shipped index.d.ts must type a
// resource's everyday calls (open with an inline config, grant with an idempotency key,
// spend, read the wallet, tell errors apart by their stable code) and catch misuse.
import { Guildhall, GuildhallError, type BalanceChangeResult, type WalletView } from 'guildhall'

export async function payday(database: string, player: string): Promise<number> {
  const gh: Guildhall = await Guildhall.open({
    database,
    config: { currencies: [{ code: 'dollars' }] },
  })
  try {
    const paid: BalanceChangeResult = await gh.grant({
      player, currency: 'dollars', amount: 500, reason: 'payday', idempotencyKey: `payday-${player}`,
    })
    const again = await gh.grant({
      player, currency: 'dollars', amount: 500n, reason: 'payday', idempotencyKey: `payday-${player}`,
    })
    if (!again.replayed || again.transactionId !== paid.transactionId) throw new Error('payday paid twice')
    try {
      await gh.spend({ player, currency: 'dollars', amount: 1_000_000 })
    } catch (e) {
      if (!(e instanceof GuildhallError) || e.code !== 'INSUFFICIENT_FUNDS') throw e
    }
    const wallet: WalletView = await gh.wallet(player)
    const dollars: number | undefined = wallet.byCurrency['dollars']
    return dollars ?? 0
  } finally {
    await gh.close()
  }
}

// @ts-expect-error: an amount is a number or a bigint, never a string
export const wrong: Parameters<Guildhall['grant']>[0] = { player: 'p', currency: 'dollars', amount: '5' }
