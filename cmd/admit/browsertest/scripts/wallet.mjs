// Signs up, out and in again with a browser wallet, then links a second
// one, the way a person with wallet extensions would. The wallets are test
// doubles injected before any page script runs: an EIP-1193 provider
// announced through EIP-6963 (keys and signing by ethers) and a Phantom-style
// window.solana (signing by tweetnacl). Keys are made fresh for each run and
// never leave node: the page only reaches them through exposed functions.
//
// Environment: START_URL (an RP page that redirects to Admit's /authorize
// asking for the wallet scope), ACCOUNT_URL (Admit's /account/sign-in, where wallets are),
// SCREENSHOT_DIR.
// Reports, in order: RESULT {"address", "solAddress", "stdAddress",
// "secondAddress"};
// RESULT {"url", "body"} after sign-up; the same after signing in again;
// RESULT {"notice", "rows"} after linking the window.solana wallet, again
// after linking a Wallet Standard one, and again after choosing a second
// Ethereum wallet among two EIP-6963 announcements.

import { Wallet, getBytes } from 'ethers';
import nacl from 'tweetnacl';
import { requireEnv, result, run, screenshot } from './lib.mjs';

const startURL = requireEnv('START_URL');
const accountURL = requireEnv('ACCOUNT_URL');
const rpOrigin = new URL(startURL).origin;
const isCallback = (url) => url.origin === rpOrigin && url.pathname === '/callback';

const eth = Wallet.createRandom();
const sol = nacl.sign.keyPair();
const solAddress = base58(sol.publicKey);
// std is a second Solana key, offered through the Wallet Standard.
const std = nacl.sign.keyPair();
const stdAddress = base58(std.publicKey);
// second is another Ethereum wallet, announced later beside the first.
const second = Wallet.createRandom();
// wrongKey signs once instead of eth when the test asks for it.
const wrongKey = Wallet.createRandom();
let nextEthSignature = 'ok'; // 'ok' | 'decline' | 'wrong-key'

function base58(bytes) {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = BigInt('0x' + Buffer.from(bytes).toString('hex'));
  let out = '';
  while (n > 0n) {
    out = alphabet[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

// injectWallets runs in the page before its scripts: it defines the
// wallets, which call back into node to sign.
function injectWallets({ ethAddress, solAddress }) {
  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      switch (method) {
        case 'eth_requestAccounts':
        case 'eth_accounts':
          return [ethAddress.toLowerCase()]; // wallets often answer in lower case
        case 'eth_chainId':
          return '0x1';
        case 'personal_sign': {
          const out = await window.__walletTestEthSign(params[0], params[1]);
          if (out.error) throw Object.assign(new Error(out.error), { code: out.code });
          return out.signature;
        }
      }
      throw Object.assign(new Error(`unsupported method ${method}`), { code: 4200 });
    },
  };
  const info = {
    uuid: '9b5c4b8e-3f43-4c3a-9d6f-7a0a0e2b1c11', name: 'Test Wallet', rdns: 'test.admit.wallet',
    icon: 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg"/%3E',
  };
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();

  const publicKey = { toString: () => solAddress, toBase58: () => solAddress };
  window.solana = {
    isPhantom: true, publicKey,
    async connect() { return { publicKey }; },
    async signMessage(message) {
      const sig = await window.__walletTestSolSign(Array.from(message));
      return { signature: new Uint8Array(sig), publicKey };
    },
  };
}

// injectSecondEthereum announces one more EIP-1193 provider, so the page
// has to let the user choose (EIP-6963).
function injectSecondEthereum({ address }) {
  const provider = {
    async request({ method, params }) {
      if (method === 'eth_requestAccounts') return [address];
      if (method === 'eth_chainId') return '0x1';
      if (method === 'personal_sign') return window.__walletTestSecondSign(params[0]);
      throw Object.assign(new Error(`unsupported method ${method}`), { code: 4200 });
    },
  };
  const info = {
    uuid: '1f0e7a52-6a0c-4f7e-9a55-2b9d3c7e8f01', name: 'Second Wallet', rdns: 'test.admit.second',
    icon: 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg"/%3E',
  };
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
}

// injectStandardWallet registers a Solana wallet the Wallet Standard way:
// it answers the app's "app-ready" event and announces itself.
function injectStandardWallet({ address }) {
  const account = { address, publicKey: new Uint8Array(32), chains: ['solana:mainnet'], features: ['solana:signMessage'] };
  const wallet = {
    version: '1.0.0', name: 'Test Standard Wallet', icon: 'data:image/svg+xml,%3Csvg xmlns="http://www.w3.org/2000/svg"/%3E',
    chains: ['solana:mainnet'], accounts: [],
    features: {
      'standard:connect': { version: '1.0.0', async connect() { wallet.accounts = [account]; return { accounts: [account] }; } },
      'solana:signMessage': {
        version: '1.0.0',
        async signMessage(...inputs) {
          return Promise.all(inputs.map(async ({ message }) => ({
            signedMessage: message, signature: new Uint8Array(await window.__walletTestStdSign(Array.from(message))),
          })));
        },
      },
    },
  };
  const callback = ({ register }) => register(wallet);
  window.addEventListener('wallet-standard:app-ready', (e) => callback(e.detail));
  window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: callback }));
}

await run(async (page) => {
  result({ address: eth.address, solAddress, stdAddress, secondAddress: second.address });
  await page.exposeFunction('__walletTestEthSign', async (hex, address) => {
    if (address.toLowerCase() !== eth.address.toLowerCase()) return { error: 'unknown account', code: 4100 };
    const mode = nextEthSignature;
    nextEthSignature = 'ok';
    if (mode === 'decline') return { error: 'User rejected the request.', code: 4001 };
    const signer = mode === 'wrong-key' ? wrongKey : eth;
    return { signature: await signer.signMessage(getBytes(hex)) };
  });
  await page.exposeFunction('__walletTestSolSign', async (bytes) => Array.from(nacl.sign.detached(Uint8Array.from(bytes), sol.secretKey)));
  await page.exposeFunction('__walletTestSecondSign', async (hex) => second.signMessage(getBytes(hex)));
  await page.exposeFunction('__walletTestStdSign', async (bytes) => Array.from(nacl.sign.detached(Uint8Array.from(bytes), std.secretKey)));
  await page.addInitScript(injectWallets, { ethAddress: eth.address, solAddress });

  // The buttons, and a wallet that declines: the page says so and stays.
  await page.goto(startURL);
  await page.locator('[data-testid=wallet-ethereum]').waitFor();
  await screenshot(page, 'wallet-buttons.png');
  nextEthSignature = 'decline';
  await page.click('[data-testid=wallet-ethereum]');
  await page.locator('[data-testid=wallet-status]:not([hidden])').waitFor();
  const declined = await page.textContent('[data-testid=wallet-status]');
  if (!declined.includes('declined')) throw new Error(`declined wallet: status ${JSON.stringify(declined)}`);
  await screenshot(page, 'wallet-error-declined.png');

  // A signature by another key: the server refuses it on the login page.
  nextEthSignature = 'wrong-key';
  await page.click('[data-testid=wallet-ethereum]');
  await page.locator('[data-testid=error]').waitFor();
  const refused = await page.textContent('[data-testid=error]');
  if (!refused.includes('could not be verified')) throw new Error(`wrong key: error ${JSON.stringify(refused)}`);
  await screenshot(page, 'wallet-error-signature.png');

  // Sign-up with the Ethereum wallet, through consent to the RP (from a
  // fresh login page, so the old page's alert cannot answer the wait).
  await page.goto(startURL);
  await page.click('[data-testid=wallet-ethereum]');
  await finish(page, 'wallet-consent.png');
  result({ url: page.url(), body: await page.textContent('body') });

  // Sign out in the account area, then sign in again with the same wallet.
  await page.goto(accountURL);
  await page.locator('[data-testid=logout]').click();
  await page.goto(startURL);
  await page.locator('[data-testid=wallet-ethereum]').click();
  await finish(page, null);
  result({ url: page.url(), body: await page.textContent('body') });

  // Link the Solana wallet from the account area.
  await page.goto(accountURL);
  await page.locator('[data-testid=account-user]').waitFor();
  await page.locator('[data-testid=wallet-solana]').click();
  await page.locator('[data-testid=notice]').waitFor();
  result({
    notice: await page.textContent('[data-testid=notice]'),
    rows: await page.locator('[data-testid=wallet-row]').allTextContents(),
  });

  // A Wallet Standard wallet appears (pages loaded from now on see it) and
  // is preferred over window.solana: link its key too.
  await page.addInitScript(injectStandardWallet, { address: stdAddress });
  await page.goto(accountURL);
  await page.locator('[data-testid=wallet-solana]').click();
  await page.locator('[data-testid=notice]').waitFor();
  result({
    notice: await page.textContent('[data-testid=notice]'),
    rows: await page.locator('[data-testid=wallet-row]').allTextContents(),
  });

  // Two Ethereum wallets announce themselves: the page asks which one.
  await page.addInitScript(injectSecondEthereum, { address: second.address });
  await page.goto(accountURL);
  await page.locator('[data-testid=wallet-ethereum]').click();
  await page.locator('[data-testid=wallet-choices]').waitFor();
  await screenshot(page, 'wallet-chooser.png');
  await page.locator('[data-testid=wallet-choices] button', { hasText: 'Second Wallet' }).click();
  await page.locator('[data-testid=notice]').waitFor();
  await screenshot(page, 'account-wallets.png');
  result({
    notice: await page.textContent('[data-testid=notice]'),
    rows: await page.locator('[data-testid=wallet-row]').allTextContents(),
  });
});

// finish waits for the RP's callback, allowing consent on the way.
async function finish(page, consentShot) {
  const settle = (p, tag) => p.then(() => ({ tag }), (error) => ({ tag, error }));
  const first = await Promise.race([
    settle(page.waitForURL(isCallback), 'callback'),
    settle(page.locator('[data-testid=consent-form]').waitFor(), 'consent'),
    settle(page.locator('[data-testid=error]').waitFor(), 'error'),
  ]);
  if (first.error) throw new Error(`no callback or consent page: ${first.error.message}`);
  if (first.tag === 'error') throw new Error(`sign-in refused: ${await page.textContent('[data-testid=error]')}`);
  if (first.tag === 'consent') {
    if (consentShot) await screenshot(page, consentShot);
    await page.click('[data-testid=allow]');
    await page.waitForURL(isCallback);
  }
}
