console.log('doctor: coming soon');
