import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { createLabI18n } from './i18n'
import { installLabClient, createDefaultLabClient } from './services/lab-api'
import { usePreferencesStore } from './stores/preferences'
import './styles/base.css'

installLabClient(createDefaultLabClient())

const pinia = createPinia()
const app = createApp(App)
app.use(pinia)
// The preferences store decides the first language (stored choice, else the browser's).
const i18n = createLabI18n(usePreferencesStore(pinia).locale)
app.use(i18n)
app.mount('#app')
