// Subscribe with unmodified @supabase/supabase-js and print one JSON line per event.
// usage: node subscribe.mjs <server http url> <bindings json> [seconds]
//   bindings: [{"event":"*","schema":"public","table":"nodes","filter":"..."}, ...]
// Prints {"status": ...} for subscribe states and {"event": <payload the callback received>}.
// NEXUS_TOKEN: the key supabase-js sends (apikey and access_token): a NEXUS API token.
import { createClient } from '@supabase/supabase-js'
import WebSocket from 'ws'

const [url, bindingsJson, seconds = '30'] = process.argv.slice(2)
const bindings = JSON.parse(bindingsJson)
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

const supabase = createClient(url, process.env.NEXUS_TOKEN || 'no-token', {
  realtime: { transport: WebSocket, heartbeatIntervalMs: 5000 },
  auth: { persistSession: false, autoRefreshToken: false },
})
let channel = supabase.channel('nexus-test')
bindings.forEach((binding, index) => {
  channel = channel.on('postgres_changes', binding, (payload) => out({ binding: index, event: payload }))
})
channel = channel.on('system', {}, (payload) => out({ system: payload }))
channel.subscribe((status, err) => out({ status, error: err ? String(err.message || err) : null }))

setTimeout(async () => {
  await supabase.removeAllChannels()
  out({ done: true })
  process.exit(0)
}, Number(seconds) * 1000)
