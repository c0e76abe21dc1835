document.getElementById('app')!.textContent = 'Migration Lab'
